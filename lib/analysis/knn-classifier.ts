import { ConfigError, random, warnOnce } from "../core";
import { encodeLabels, type Label } from "./labels";
import { type Matrix, type MatrixLike, selectRows, squaredDistance, toMatrix } from "./matrix";

export interface StratifiedFoldsOptions {
  /** Number of folds (default 5). */
  folds?: number;
  /** Shuffle which points of a class go to which fold (default true); false gives sklearn's StratifiedKFold(shuffle=False) folds exactly. */
  shuffle?: boolean;
  /** Seed of the shuffle (default 42). */
  seed?: number;
}

/**
 * The test fold of every point, stratified by label: each fold gets the same
 * share of every class. Allocation as sklearn's StratifiedKFold (classes in
 * order of first appearance, round-robin counts over the sorted labels).
 */
export function stratifiedFolds(labels: ArrayLike<Label>, options: StratifiedFoldsOptions = {}): Int32Array {
  const folds = options.folds ?? 5;
  const n = labels.length;
  if (!Number.isInteger(folds) || folds < 2) throw new ConfigError(`stratifiedFolds: folds must be an integer >= 2, found ${folds}`);
  if (folds > n) throw new ConfigError(`stratifiedFolds: cannot make ${folds} folds of ${n} points`);
  const { codes: sortedCodes } = encodeLabels(labels, "stratifiedFolds labels");
  // Classes numbered by first appearance, as sklearn does.
  const firstSeen = new Map<number, number>();
  const enc = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = sortedCodes[i]!;
    if (!firstSeen.has(c)) firstSeen.set(c, firstSeen.size);
    enc[i] = firstSeen.get(c)!;
  }
  const classes = firstSeen.size;
  const counts = new Int32Array(classes);
  for (const c of enc) counts[c]!++;
  if (counts.every((c) => c < folds)) throw new ConfigError(`stratifiedFolds: ${folds} folds but no class has that many points`);
  if (counts.some((c) => c < folds))
    warnOnce(`stratifiedFolds: the smallest class has ${Math.min(...counts)} points, fewer than the ${folds} folds`);
  const order = Int32Array.from(enc).sort();
  const allocation = Array.from({ length: folds }, () => new Int32Array(classes));
  for (let i = 0; i < n; i++) allocation[i % folds]![order[i]!]!++;
  const rng = random(options.seed ?? 42);
  const test = new Int32Array(n);
  for (let c = 0; c < classes; c++) {
    const forClass: number[] = [];
    for (let f = 0; f < folds; f++) for (let t = 0; t < allocation[f]![c]!; t++) forClass.push(f);
    if (options.shuffle ?? true) rng.shuffle(forClass);
    let t = 0;
    for (let i = 0; i < n; i++) if (enc[i] === c) test[i] = forClass[t++]!;
  }
  return test;
}

export interface KnnAccuracyOptions extends StratifiedFoldsOptions {
  /** Neighbours voting (default 5, as sklearn's KNeighborsClassifier). */
  k?: number;
}

export interface KnnAccuracy {
  /** Mean accuracy over the folds. */
  accuracy: number;
  /** Standard deviation of the fold accuracies. */
  std: number;
  foldAccuracies: number[];
  /** Accuracy of always guessing the most common class, for comparison. */
  chance: number;
  k: number;
}

/**
 * The k training rows nearest each test row (squared Euclidean), nearest
 * first: row t's are `out[t*k .. t*k+k)`. Equal distances keep the earlier
 * training row first, as sklearn's brute-force search does.
 */
export function nearestTrainRows(train: Matrix, test: Matrix, k: number): Int32Array {
  if (train.cols !== test.cols) throw new ConfigError(`nearestTrainRows: ${train.cols} training columns but ${test.cols} test columns`);
  if (!Number.isInteger(k) || k < 1) throw new ConfigError(`nearestTrainRows: k must be a positive integer, found ${k}`);
  if (train.rows < k) throw new ConfigError(`nearestTrainRows: ${train.rows} training points, fewer than k = ${k}`);
  const out = new Int32Array(test.rows * k);
  const bestD = new Float64Array(k);
  const bestI = new Int32Array(k);
  for (let i = 0; i < test.rows; i++) {
    let size = 0;
    for (let j = 0; j < train.rows; j++) {
      const d = squaredDistance(test, i, train, j);
      if (size === k && d >= bestD[k - 1]!) continue;
      let p = size < k ? size++ : k - 1;
      while (p > 0 && bestD[p - 1]! > d) {
        bestD[p] = bestD[p - 1]!;
        bestI[p] = bestI[p - 1]!;
        p--;
      }
      bestD[p] = d;
      bestI[p] = j;
    }
    out.set(bestI, i * k);
  }
  return out;
}

/** The class of each test row by majority vote of its k nearest training rows (ties to the smallest class code). */
export function knnClassify(train: Matrix, trainCodes: ArrayLike<number>, classCount: number, test: Matrix, k: number): Int32Array {
  const near = nearestTrainRows(train, test, k);
  const votes = new Int32Array(classCount);
  const out = new Int32Array(test.rows);
  for (let i = 0; i < test.rows; i++) {
    votes.fill(0);
    for (let t = 0; t < k; t++) votes[trainCodes[near[i * k + t]!]!]!++;
    let guess = 0;
    for (let c = 1; c < classCount; c++) if (votes[c]! > votes[guess]!) guess = c;
    out[i] = guess;
  }
  return out;
}

/** The rows of each fold (0..folds-1): the test rows of fold f, and all others as its training rows. */
export function foldRows(test: ArrayLike<number>, f: number): { train: Int32Array; test: Int32Array } {
  const tr: number[] = [];
  const te: number[] = [];
  for (let i = 0; i < test.length; i++) (test[i] === f ? te : tr).push(i);
  return { train: Int32Array.from(tr), test: Int32Array.from(te) };
}

/**
 * How well a label (layer, family) can be read off an embedding: k-nearest-
 * neighbour classification (Euclidean, majority vote, ties to the smallest
 * class) scored by stratified k-fold cross-validation.
 */
export function knnAccuracy(x: MatrixLike, labels: ArrayLike<Label>, options: KnnAccuracyOptions = {}): KnnAccuracy {
  const m = toMatrix(x, "knnAccuracy");
  const n = m.rows;
  if (labels.length !== n) throw new ConfigError(`knnAccuracy: ${labels.length} labels for ${n} points`);
  const k = options.k ?? 5;
  const test = stratifiedFolds(labels, options);
  const folds = options.folds ?? 5;
  const { codes, classes } = encodeLabels(labels, "knnAccuracy labels");
  const foldAccuracies: number[] = [];
  for (let f = 0; f < folds; f++) {
    const rows = foldRows(test, f);
    if (rows.train.length < k)
      throw new ConfigError(`knnAccuracy: fold ${f} leaves ${rows.train.length} training points, fewer than k = ${k}`);
    const guess = knnClassify(
      selectRows(m, rows.train),
      Int32Array.from(rows.train, (i) => codes[i]!),
      classes.length,
      selectRows(m, rows.test),
      k,
    );
    let right = 0;
    guess.forEach((g, t) => (right += g === codes[rows.test[t]!] ? 1 : 0));
    foldAccuracies.push(right / rows.test.length);
  }
  const accuracy = foldAccuracies.reduce((a, b) => a + b, 0) / folds;
  const std = Math.sqrt(foldAccuracies.reduce((a, b) => a + (b - accuracy) ** 2, 0) / folds);
  const counts = new Int32Array(classes.length);
  for (const c of codes) counts[c]!++;
  return { accuracy, std, foldAccuracies, chance: Math.max(...counts) / n, k };
}
