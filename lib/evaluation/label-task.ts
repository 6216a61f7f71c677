import { encodeLabels, stratifiedFolds } from "../analysis";
import { checkChoice, random, warnOnce, WorkbenchError } from "../core";

export const LABEL_KINDS = ["categorical", "continuous"] as const;
/** Classes to predict (family, layer) or a quantity (soma depth). */
export type LabelKind = (typeof LABEL_KINDS)[number];

/** A numeric column with more distinct values than this is taken as continuous. */
export const MAX_NUMERIC_CLASSES = 10;

/**
 * One label column made ready to score: which neurons take part, their
 * classes or values, and the folds every feature set is scored on, so all
 * rows of the table compare like with like.
 */
export interface LabelTask {
  column: string;
  kind: LabelKind;
  /** Positions (in the evaluation's ids) of the neurons scored for this label. */
  rows: Int32Array;
  /** Categorical: the classes kept, sorted, and each neuron's class number. */
  classes: string[];
  codes: Int32Array;
  /** Continuous: each neuron's value. */
  values: Float64Array;
  /** Test fold of each neuron (0..folds-1). */
  folds: Int32Array;
  foldCount: number;
  /** Neurons without a value, left out. */
  missing: number;
  /** Classes left out because they have fewer neurons than there are folds. */
  dropped: Array<{ label: string; count: number }>;
  /** Categorical: the share of the largest class, the accuracy of always guessing it. */
  majority: number;
}

/** Categorical unless every value is a number and there are more than MAX_NUMERIC_CLASSES distinct ones. */
export function guessLabelKind(values: readonly string[]): LabelKind {
  const present = values.filter((v) => v !== "");
  const numeric = present.length > 0 && present.every((v) => Number.isFinite(Number(v)));
  return numeric && new Set(present).size > MAX_NUMERIC_CLASSES ? "continuous" : "categorical";
}

/** Plain k-fold assignment of n items, shuffled by seed: fold sizes differ by at most one. */
export function shuffledFolds(n: number, folds: number, seed: number): Int32Array {
  const order = random(seed).permutation(n);
  const out = new Int32Array(n);
  order.forEach((item, i) => (out[item] = i % folds));
  return out;
}

export interface LabelTaskOptions {
  /** Default: guessLabelKind. */
  kind?: LabelKind;
  folds: number;
  /** Seed of the fold assignment. */
  seed: number;
}

/**
 * Prepares `column` (one raw value per evaluated neuron, "" when missing).
 * Neurons without a value are left out; so are, for categorical labels,
 * classes with fewer neurons than folds (each warned about once), since
 * stratified folds cannot place them in every fold.
 */
export function labelTask(column: string, raw: readonly string[], options: LabelTaskOptions): LabelTask {
  const kind = options.kind === undefined ? guessLabelKind(raw) : checkChoice(`label "${column}" kind`, options.kind, LABEL_KINDS);
  const folds = options.folds;
  let rows: number[] = [];
  raw.forEach((v, i) => {
    if (v !== "") rows.push(i);
  });
  const missing = raw.length - rows.length;
  if (missing > 0) warnOnce(`label "${column}": ${missing} of ${raw.length} neurons have no value and are left out of its scores`);
  const dropped: Array<{ label: string; count: number }> = [];
  let classes: string[] = [];
  let codes = new Int32Array(0);
  let values = new Float64Array(0);
  let testFolds: Int32Array;
  let majority = NaN;
  if (kind === "categorical") {
    const counts = new Map<string, number>();
    for (const i of rows) counts.set(raw[i]!, (counts.get(raw[i]!) ?? 0) + 1);
    for (const [label, count] of [...counts].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      if (count < folds) dropped.push({ label, count });
    }
    if (dropped.length > 0) {
      warnOnce(
        `label "${column}": ${dropped.map((d) => `"${d.label}" (${d.count})`).join(", ")} ${dropped.length === 1 ? "has" : "have"} fewer neurons than the ${folds} folds and ${dropped.length === 1 ? "is" : "are"} left out of its scores`,
      );
      const out = new Set(dropped.map((d) => d.label));
      rows = rows.filter((i) => !out.has(raw[i]!));
    }
    const kept = rows.map((i) => raw[i]!);
    const encoded = encodeLabels(kept, `label "${column}"`);
    classes = encoded.classes.map(String);
    if (classes.length < 2) {
      throw new WorkbenchError(
        `label "${column}": ${classes.length} class${classes.length === 1 ? "" : "es"} with at least ${folds} neurons (one per fold); nothing to tell apart — use fewer folds or another label`,
      );
    }
    codes = encoded.codes;
    testFolds = stratifiedFolds(kept, { folds, seed: options.seed });
    const sizes = new Int32Array(classes.length);
    for (const c of codes) sizes[c]!++;
    majority = Math.max(...sizes) / rows.length;
  } else {
    values = Float64Array.from(rows, (i) => Number(raw[i]));
    const bad = rows.findIndex((_, r) => !Number.isFinite(values[r]!));
    if (bad >= 0) throw new WorkbenchError(`label "${column}": taken as continuous but the value "${raw[rows[bad]!]}" is not a number`);
    if (rows.length < 2 * folds)
      throw new WorkbenchError(`label "${column}": ${rows.length} neurons with a value, too few for ${folds} folds of at least two`);
    testFolds = shuffledFolds(rows.length, folds, options.seed);
  }
  return {
    column,
    kind,
    rows: Int32Array.from(rows),
    classes,
    codes,
    values,
    folds: testFolds,
    foldCount: folds,
    missing,
    dropped,
    majority,
  };
}
