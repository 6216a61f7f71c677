import * as tf from "@tensorflow/tfjs";
import { WorkbenchError } from "../core";

/** F1 and IoU of a binary prediction against the truth. */
export interface OverlapScores {
  f1: number;
  iou: number;
}

/** The thresholds of the threshold search (docs/models.md, "Metrics and inference"): 0.10, 0.15, …, 0.95. */
export const THRESHOLDS: readonly number[] = Array.from({ length: 18 }, (_, i) => Math.round((0.1 + 0.05 * i) * 100) / 100);

/** True positives, false positives and false negatives of a prediction. */
export interface Confusion {
  tp: number;
  fp: number;
  fn: number;
}

/**
 * F1 = 2tp / (2tp + fp + fn), IoU = tp / (tp + fp + fn). An empty prediction
 * of an empty truth scores 1 on both: nothing was missed or invented.
 */
export function scoresFromConfusion(c: Confusion): OverlapScores {
  const union = c.tp + c.fp + c.fn;
  if (union === 0) return { f1: 1, iou: 1 };
  return { f1: (2 * c.tp) / (2 * c.tp + c.fp + c.fn), iou: c.tp / union };
}

/**
 * F1 and IoU of one volume's probabilities (or 0/1 prediction) against its
 * truth, the prediction being `probability > threshold`: the plain-array
 * counterpart of batchScores, for a volume already read back from the model.
 */
export function overlapScores(prediction: ArrayLike<number>, truth: ArrayLike<number>, threshold = 0.5): OverlapScores {
  if (prediction.length !== truth.length)
    throw new WorkbenchError(
      `overlapScores: expected as many predicted voxels as true ones; found ${prediction.length} and ${truth.length}`,
    );
  const c: Confusion = { tp: 0, fp: 0, fn: 0 };
  for (let i = 0; i < truth.length; i++) {
    const p = prediction[i]! > threshold;
    const t = truth[i]! > 0.5;
    if (p && t) c.tp++;
    else if (p) c.fp++;
    else if (t) c.fn++;
  }
  return scoresFromConfusion(c);
}

/**
 * Confusion counts over all voxels of a batch for each threshold, with the
 * prediction `sigmoid(logit) > threshold`.
 */
export function confusionAtThresholds(logits: tf.Tensor, targets: tf.Tensor, thresholds: readonly number[]): Confusion[] {
  const counts = tf.tidy(() => {
    const p = tf.sigmoid(logits);
    const t = tf.greater(targets, 0.5);
    const positives = tf.sum(tf.cast(t, "float32"));
    const rows: tf.Tensor[] = [];
    for (const th of thresholds) {
      const pred = tf.greater(p, th);
      const tp = tf.sum(tf.cast(tf.logicalAnd(pred, t), "float32"));
      const predicted = tf.sum(tf.cast(pred, "float32"));
      rows.push(tf.stack([tp, predicted]));
    }
    return tf.concat([tf.stack(rows).flatten(), positives.reshape([1])]);
  });
  const v = counts.dataSync();
  counts.dispose();
  const positives = v[v.length - 1]!;
  return thresholds.map((_, i) => {
    const tp = v[2 * i]!;
    return { tp, fp: v[2 * i + 1]! - tp, fn: positives - tp };
  });
}

/** F1 and IoU over all voxels of a batch at one threshold (0.5 unless searched). */
export function batchScores(logits: tf.Tensor, targets: tf.Tensor, threshold = 0.5): OverlapScores {
  return scoresFromConfusion(confusionAtThresholds(logits, targets, [threshold])[0]!);
}
