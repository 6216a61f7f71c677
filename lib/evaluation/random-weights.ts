import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { OnProgress } from "../core";
import type { Dataset } from "../dataset";
import { embedDataset, embeddingFiles, readEmbeddingTable, type Pooling } from "../embeddings";
import { createAutoencoder, disposeAutoencoder } from "../models";
import type { AutoencoderConfig } from "../train";
import { embeddingFeatures, type FeatureSet } from "./feature-set";

export interface RandomWeightsOptions {
  /** Weight seeds, one embedding each (the baseline is their mean ± sd). */
  seeds: readonly number[];
  pooling: Pooling;
  /** Where the embedding tables go (see randomWeightsTable); tables already there are read, not recomputed. */
  dir: string;
  /** Which neurons embedDataset embeds: a split or "all"; must contain `ids`. */
  split: string;
  batchSize?: number;
  onProgress?: OnProgress;
}

/**
 * The file stem of one seed's table: `random-weights-<pooling>-g<grid>-c<base>-seed<s>-<dataset>`,
 * the last part a hash of the dataset's directory and settings, so a dataset
 * with the same ids but another normalisation never reuses another's table.
 */
export function randomWeightsTable(dir: string, dataset: Dataset, config: AutoencoderConfig, pooling: Pooling, seed: number): string {
  const key = createHash("sha256")
    .update(JSON.stringify([path.resolve(dataset.dir), dataset.info]))
    .digest("hex")
    .slice(0, 10);
  return path.join(dir, `random-weights-${pooling}-g${config.grid}-c${config.baseChannels}-seed${seed}-${key}`);
}

/**
 * The "same network, untrained" baseline: for each seed an autoencoder of the
 * checkpoint's architecture with freshly initialised weights embeds the
 * dataset through embedDataset, the code the `embed` command uses. Returns
 * null when onProgress asked to stop (the embedding resumes next time).
 */
export async function randomWeightFeatures(
  dataset: Dataset,
  ids: readonly string[],
  config: AutoencoderConfig,
  options: RandomWeightsOptions,
): Promise<FeatureSet[] | null> {
  const sets: FeatureSet[] = [];
  for (const seed of options.seeds) {
    const stem = randomWeightsTable(options.dir, dataset, config, options.pooling, seed);
    const files = embeddingFiles(stem);
    if (!(fs.existsSync(files.npy) && fs.existsSync(files.meta))) {
      const ae = createAutoencoder({ grid: config.grid, baseChannels: config.baseChannels, seed });
      try {
        const r = await embedDataset(ae.encoder, dataset, config.grid, stem, {
          split: options.split,
          pooling: options.pooling,
          batchSize: options.batchSize,
          onProgress: options.onProgress,
        });
        if (!r.complete) return null;
      } finally {
        disposeAutoencoder(ae);
      }
    }
    sets.push(
      embeddingFeatures(`random weights seed ${seed}`, readEmbeddingTable(stem), ids, {
        description: `the network (grid ${config.grid}, base ${config.baseChannels}) untrained, weight seed ${seed}, ${options.pooling} pooling`,
      }),
    );
  }
  return sets;
}
