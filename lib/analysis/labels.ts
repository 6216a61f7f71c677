import { ConfigError } from "../core";

export type Label = string | number;

/**
 * Labels as small integers 0..classes-1, classes in sorted order (numbers
 * numerically, otherwise as strings), which is how sklearn encodes them.
 */
export interface EncodedLabels {
  codes: Int32Array;
  classes: Label[];
}

export function encodeLabels(labels: ArrayLike<Label>, what = "labels"): EncodedLabels {
  const n = labels.length;
  const allNumbers = Array.prototype.every.call(labels, (v: unknown) => typeof v === "number");
  const distinct = Array.from(new Set(Array.from(labels)));
  for (const v of distinct) {
    if (v === undefined || v === null || (typeof v === "number" && Number.isNaN(v))) {
      throw new ConfigError(`${what}: missing label (${String(v)}); drop those rows or fill them first`);
    }
  }
  const classes = allNumbers
    ? (distinct as number[]).sort((a, b) => a - b)
    : distinct.map(String).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const index = new Map<string, number>(classes.map((c, i) => [String(c), i]));
  const codes = new Int32Array(n);
  for (let i = 0; i < n; i++) codes[i] = index.get(String(labels[i]))!;
  return { codes, classes };
}
