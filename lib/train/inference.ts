import * as tf from "@tensorflow/tfjs";
import { ConfigError, OnProgress } from "../core";
import type { Autoencoder } from "../models";
import { confusionAtThresholds, scoresFromConfusion, THRESHOLDS } from "./metrics";
import { loadBatch, VoxelSource } from "./source";

/** Occupancy probabilities of one neuron's grid (g³ values, x-major), by sigmoid of the logits. */
export function predictProbabilities(autoencoder: Autoencoder, grid: Uint8Array | Float32Array): Float32Array {
  const g = autoencoder.grid;
  if (grid.length !== g ** 3) throw new ConfigError(`predictProbabilities: expected a ${g}³ grid (${g ** 3} values); found ${grid.length}`);
  return tf.tidy(() => {
    const x = tf.tensor5d(
      Float32Array.from(grid, (v) => (v > 0 ? 1 : 0)),
      [1, g, g, g, 1],
    );
    return tf.sigmoid(autoencoder.model.predict(x) as tf.Tensor).dataSync() as Float32Array;
  });
}

/** Mean F1 and IoU per threshold over the batches of one split. */
export interface ThresholdScores {
  thresholds: number[];
  f1: number[];
  iou: number[];
  neurons: number;
}

export interface ScoreOptions {
  /** Thresholds to try; 0.10, 0.15, …, 0.95 by default (docs/models.md, "Metrics and inference"). */
  thresholds?: readonly number[];
  /** Neurons per batch (scores are averaged over batches, as in training). Default 8. */
  batchSize?: number;
  /** Use at most this many neurons of the split (0 = all). Default 0. */
  limit?: number;
  onProgress?: OnProgress;
}

/** F1 and IoU at every threshold over a split's neurons (per batch, averaged over batches). */
export async function scoresByThreshold(
  autoencoder: Autoencoder,
  source: VoxelSource,
  split: string,
  options: ScoreOptions = {},
): Promise<ThresholdScores> {
  const thresholds = [...(options.thresholds ?? THRESHOLDS)];
  const bs = options.batchSize ?? 8;
  let ids = source.ids(split);
  if (options.limit) ids = ids.slice(0, options.limit);
  if (ids.length === 0) throw new ConfigError(`scoresByThreshold: split "${split}" has no neurons`);
  const f1 = new Array<number>(thresholds.length).fill(0);
  const iou = new Array<number>(thresholds.length).fill(0);
  let batches = 0;
  for (let i = 0; i < ids.length; i += bs) {
    const x = await loadBatch(source, ids.slice(i, i + bs), autoencoder.grid);
    const logits = autoencoder.model.predict(x) as tf.Tensor;
    confusionAtThresholds(logits, x, thresholds).forEach((c, k) => {
      const s = scoresFromConfusion(c);
      f1[k]! += s.f1;
      iou[k]! += s.iou;
    });
    tf.dispose([x, logits]);
    batches += 1;
    if (options.onProgress?.({ done: Math.min(i + bs, ids.length), total: ids.length, label: `scoring ${split}` }) === false) break;
  }
  return { thresholds, f1: f1.map((v) => v / batches), iou: iou.map((v) => v / batches), neurons: Math.min(ids.length, batches * bs) };
}

/** The threshold with the highest mean F1 (ties: the lower threshold) and its scores. */
export function bestThreshold(scores: ThresholdScores, metric: "f1" | "iou" = "f1"): { threshold: number; f1: number; iou: number } {
  let best = 0;
  scores[metric].forEach((v, i) => {
    if (v > scores[metric][best]!) best = i;
  });
  return { threshold: scores.thresholds[best]!, f1: scores.f1[best]!, iou: scores.iou[best]! };
}

/**
 * Train and validation score against threshold, in the shape lib/viz's
 * thresholdCurvesFigure takes.
 */
export function scoreCurves(
  train: ThresholdScores,
  validation: ThresholdScores,
  metric: "f1" | "iou" = "f1",
): { thresholds: number[]; train: number[]; validation: number[]; metric: string } {
  if (train.thresholds.join() !== validation.thresholds.join())
    throw new ConfigError("scoreCurves: train and validation were scored at different thresholds");
  return { thresholds: train.thresholds, train: train[metric], validation: validation[metric], metric: metric === "f1" ? "F1" : "IoU" };
}

/** Counts of predicted probabilities above `floor` (default 0.4, as the inference figures) in equal bins up to 1. */
export function probabilityHistogram(
  probabilities: ArrayLike<number>,
  options: { floor?: number; bins?: number } = {},
): { edges: number[]; counts: number[] } {
  const floor = options.floor ?? 0.4;
  const bins = options.bins ?? 30;
  if (!(floor >= 0 && floor < 1)) throw new ConfigError(`probabilityHistogram: floor must be in [0, 1); found ${floor}`);
  const width = (1 - floor) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i]!;
    if (p > floor) counts[Math.min(bins - 1, Math.floor((p - floor) / width))]! += 1;
  }
  return { edges: Array.from({ length: bins + 1 }, (_, i) => floor + i * width), counts };
}
