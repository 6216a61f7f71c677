import {
  fitLogisticRegression,
  foldRows,
  knnClassify,
  logisticClassify,
  nearestTrainRows,
  selectRows,
  standardize,
  type Matrix,
} from "../analysis";
import { ConfigError, warnOnce } from "../core";
import type { FeatureSet } from "./feature-set";
import type { LabelTask } from "./label-task";

/** A cross-validated number: mean and (population) standard deviation over the folds. */
export interface Score {
  mean: number;
  sd: number;
  folds: number[];
}

/** What one feature set achieves on one label: accuracies for classes, R² for quantities. */
export interface TaskScores {
  /** k-NN classification accuracy. */
  knn?: Score;
  /** Linear probe (L2 logistic regression) accuracy. */
  probe?: Score;
  /** k-NN regression R². */
  r2?: Score;
}

export interface ScoreOptions {
  /** Neighbours of k-NN (classification and regression). */
  k: number;
  /** Inverse L2 strength of the linear probe (sklearn's C). */
  c: number;
}

export function summarise(folds: number[]): Score {
  const mean = folds.reduce((a, b) => a + b, 0) / folds.length;
  return { mean, sd: Math.sqrt(folds.reduce((a, b) => a + (b - mean) ** 2, 0) / folds.length), folds };
}

/** `test` scaled with the training rows' mean and scale (StandardScaler fitted on the training fold). */
function scaledLike(test: Matrix, mean: Float64Array, scale: Float64Array): Matrix {
  const { rows, cols } = test;
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[i * cols + j] = (test.data[i * cols + j]! - mean[j]!) / scale[j]!;
  return { rows, cols, data };
}

/** R² of predictions against the truth of one test fold; NaN when the fold's truth is constant. */
function rSquared(truth: ArrayLike<number>, predicted: ArrayLike<number>): number {
  let mean = 0;
  for (let i = 0; i < truth.length; i++) mean += truth[i]!;
  mean /= truth.length;
  let res = 0;
  let tot = 0;
  for (let i = 0; i < truth.length; i++) {
    res += (truth[i]! - predicted[i]!) ** 2;
    tot += (truth[i]! - mean) ** 2;
  }
  return tot > 0 ? 1 - res / tot : NaN;
}

/** The folds' R² values, leaving out (with a warning) folds whose truth does not vary. */
function r2Score(task: LabelTask, perFold: number[]): Score {
  const kept = perFold.filter((v) => !Number.isNaN(v));
  if (kept.length < perFold.length)
    warnOnce(
      `label "${task.column}": ${perFold.length - kept.length} folds hold a single value, R² is undefined there and they are left out`,
    );
  return summarise(kept);
}

/** Fails when a fold of the task leaves fewer training neurons than k: checkable before any features are computed. */
export function requireFoldsFitK(task: LabelTask, k: number): void {
  for (let f = 0; f < task.foldCount; f++) {
    const train = task.folds.length - task.folds.filter((x) => x === f).length;
    if (train < k)
      throw new ConfigError(
        `label "${task.column}": fold ${f + 1} has ${train} training neurons, fewer than k = ${k}; use a smaller k or fewer folds`,
      );
  }
}

/**
 * Scores one feature set on one label with the task's folds: k-NN (after
 * standardising within the training fold when the set asks for it) and the
 * linear probe (always on standardised features) for classes; k-NN
 * regression R² (mean of the k neighbours' values) for quantities.
 */
export function scoreFeatures(set: FeatureSet, task: LabelTask, options: ScoreOptions): TaskScores {
  const knn: number[] = [];
  const probe: number[] = [];
  const r2: number[] = [];
  requireFoldsFitK(task, options.k);
  for (let f = 0; f < task.foldCount; f++) {
    const { train, test } = foldRows(task.folds, f);
    const xTrain = selectRows(
      set.x,
      Int32Array.from(train, (r) => task.rows[r]!),
    );
    const xTest = selectRows(
      set.x,
      Int32Array.from(test, (r) => task.rows[r]!),
    );
    const scaled = standardize(xTrain);
    const sTest = scaledLike(xTest, scaled.mean, scaled.scale);
    const [kTrain, kTest] = set.standardize ? [scaled.data, sTest] : [xTrain, xTest];
    if (task.kind === "categorical") {
      const yTrain = Int32Array.from(train, (r) => task.codes[r]!);
      const accuracy = (guess: Int32Array): number => guess.reduce((a, g, t) => a + (g === task.codes[test[t]!] ? 1 : 0), 0) / test.length;
      knn.push(accuracy(knnClassify(kTrain, yTrain, task.classes.length, kTest, options.k)));
      const model = fitLogisticRegression(scaled.data, yTrain, task.classes.length, { c: options.c });
      probe.push(accuracy(logisticClassify(model, sTest)));
    } else {
      const near = nearestTrainRows(kTrain, kTest, options.k);
      const predicted = Float64Array.from(test, (_, t) => {
        let s = 0;
        for (let q = 0; q < options.k; q++) s += task.values[train[near[t * options.k + q]!]!]!;
        return s / options.k;
      });
      r2.push(
        rSquared(
          Float64Array.from(test, (r) => task.values[r]!),
          predicted,
        ),
      );
    }
  }
  return task.kind === "categorical" ? { knn: summarise(knn), probe: summarise(probe) } : { r2: r2Score(task, r2) };
}

/**
 * The floor every feature set must clear: for classes, always guessing the
 * largest one (its share, exactly); for quantities, predicting the training
 * fold's mean (R² at or just below zero).
 */
export function majorityScores(task: LabelTask): TaskScores {
  if (task.kind === "categorical") {
    const rate = { mean: task.majority, sd: 0, folds: [] };
    return { knn: rate, probe: rate };
  }
  const perFold: number[] = [];
  for (let f = 0; f < task.foldCount; f++) {
    const { train, test } = foldRows(task.folds, f);
    const mean = train.reduce((a, r) => a + task.values[r]!, 0) / train.length;
    perFold.push(
      rSquared(
        Float64Array.from(test, (r) => task.values[r]!),
        new Float64Array(test.length).fill(mean),
      ),
    );
  }
  return { r2: r2Score(task, perFold) };
}
