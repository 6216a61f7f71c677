import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError, type OnProgress } from "../core";
import { MANIFEST, type Dataset } from "../dataset";
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
export async function ensureEmbeddingTable(
  source: EmbeddingSource,
  dataset: Dataset,
  options: { iterations?: number; onProgress?: OnProgress } = {},
): Promise<EmbeddingTable> {
  const files = embeddingFiles(source.table);
  if (!(fs.existsSync(files.npy) && fs.existsSync(files.meta)) && !fs.existsSync(files.csv)) {
    const setup = await prepareAutoencoder({
      variant: source.variant,
      checkpoint: source.checkpoint ?? "",
      dataset,
      runDir: source.runDir,
      iterations: options.iterations,
      onProgress: options.onProgress,
    });
    try {
      await embedDataset(setup.autoencoder.encoder, dataset, setup.autoencoder.grid, source.table, { onProgress: options.onProgress });
    } finally {
      disposeAutoencoder(setup.autoencoder);
    }
  }
  return readEmbeddingTable(source.table);
}

/**
 * The table with the label columns of a dataset's manifest joined by id: a
 * column the table has too takes the manifest's values (labels added or
 * corrected after embedding), the table's other columns stay. Every neuron
 * of the table must be in the manifest.
 */
export function withDatasetLabels(table: EmbeddingTable, dataset: Dataset): EmbeddingTable {
  const known = new Set(dataset.rows.map((r) => r.id));
  const missing = table.ids.filter((id) => !known.has(id));
  if (missing.length > 0) {
    throw new ConfigError(
      `${path.join(dataset.dir, MANIFEST)}: ${missing.length} of the table's ${table.ids.length} neurons are not in the manifest ` +
        `(${missing
          .slice(0, 5)
          .map((id) => JSON.stringify(id))
          .join(", ")}${missing.length > 5 ? ", …" : ""}); is it the dataset the table was embedded from?`,
    );
  }
  const labels = { ...table.labels };
  // The manifest's own columns: a column added to manifest.csv by hand counts too.
  for (const c of new Set(dataset.rows.flatMap((r) => Object.keys(r.labels))))
    labels[c] = table.ids.map((id) => dataset.row(id).labels[c] ?? "");
  return { ...table, labels };
}
