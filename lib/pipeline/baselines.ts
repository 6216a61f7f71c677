import * as path from "node:path";
import { ConfigError, type OnProgress } from "../core";
import type { Dataset } from "../dataset";
import { evaluateEmbeddings, writeEvaluation, type EmbeddingInput, type Evaluation } from "../evaluation";
import type { AutoencoderConfig } from "../train";

export interface BaselineOptions {
  /** Folder for evaluation.csv and evaluation.json; the baselines' work is kept in `<out>/baselines` and reused. */
  out: string;
  /** The run the random-weights baseline copies the architecture of (or give `architecture`). */
  checkpoint?: string;
  architecture?: AutoencoderConfig;
  /** Untrained networks, weight seeds 1..n (default 3). */
  randomSeeds?: number;
  onProgress?: OnProgress;
}

/**
 * Embeddings judged against the baselines (docs/evaluation.md) on every label
 * column of the dataset that can be scored, the table the embeddings notebook and the demo
 * report show beside the maps; written as files too. Null when stopped
 * through onProgress (run again: the baselines' work so far is kept).
 */
export async function embeddingBaselines(
  dataset: Dataset,
  embeddings: readonly EmbeddingInput[],
  options: BaselineOptions,
): Promise<{ evaluation: Evaluation; files: { csv: string; json: string } } | null> {
  const labels = dataset.info.labelColumns;
  if (labels.length === 0) throw new ConfigError(`${dataset.dir}: the dataset has no label columns to judge embeddings by`);
  const evaluation = await evaluateEmbeddings(dataset, embeddings, {
    labels,
    checkpoint: options.checkpoint,
    architecture: options.architecture,
    randomSeeds: options.randomSeeds,
    workDir: path.join(options.out, "baselines"),
    // Every label column is tried; one with classes too small for the folds is named in the warnings under the table.
    skipUnusableLabels: true,
    onProgress: options.onProgress,
  });
  return evaluation && { evaluation, files: writeEvaluation(evaluation, options.out) };
}
