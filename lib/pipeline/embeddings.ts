import * as fs from "node:fs";
import type { OnProgress } from "../core";
import type { Dataset } from "../dataset";
import { embedDataset, embeddingFiles, readEmbeddingTable, type EmbeddingTable } from "../embeddings";
import { disposeAutoencoder } from "../models";
import { prepareAutoencoder, type ModelVariant } from "./neurons";

export interface EmbeddingSource {
  /** The model variant the table belongs to. */
  variant: ModelVariant;
  /** The embedding table (stem, `.csv` or `.npy`); made when it does not exist. */
  table: string;
  /** What to embed with when the table is missing: a run directory or .pth ("" = train the tiny preset into `runDir`). */
  checkpoint?: string;
  runDir: string;
}

/**
 * An embedding table ready to map: read when it exists, otherwise made from
 * the model (trained first when there is no checkpoint), so the embeddings
 * notebook runs on a fresh clone.
 */
export async function ensureEmbeddingTable(source: EmbeddingSource, dataset: Dataset, options: { iterations?: number; onProgress?: OnProgress } = {}): Promise<EmbeddingTable> {
  const files = embeddingFiles(source.table);
  if (!(fs.existsSync(files.npy) && fs.existsSync(files.meta)) && !fs.existsSync(files.csv)) {
    const setup = await prepareAutoencoder({ variant: source.variant, checkpoint: source.checkpoint ?? "", dataset, runDir: source.runDir, iterations: options.iterations, onProgress: options.onProgress });
    try {
      await embedDataset(setup.autoencoder.encoder, dataset, setup.autoencoder.grid, source.table, { onProgress: options.onProgress });
    } finally {
      disposeAutoencoder(setup.autoencoder);
    }
  }
  return readEmbeddingTable(source.table);
}
