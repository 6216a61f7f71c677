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

/** Missing labels (null, undefined, NaN: empty cells of a table) are refused, naming `what`. */
export function encodeLabels(labels: ArrayLike<Label | null | undefined>, what = "labels"): EncodedLabels {
  const n = labels.length;
  const distinct: Label[] = [];
  for (const v of new Set(Array.from(labels))) {
    if (v === undefined || v === null || (typeof v === "number" && Number.isNaN(v))) {
      throw new ConfigError(`${what}: missing label (${String(v)}); drop those rows or fill them first`);
    }
    distinct.push(v);
  }
  const numbers = distinct.filter((v): v is number => typeof v === "number");
  const classes =
    numbers.length === distinct.length ? numbers.sort((a, b) => a - b) : distinct.map(String).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const index = new Map<string, number>(classes.map((c, i) => [String(c), i]));
  const codes = new Int32Array(n);
  for (let i = 0; i < n; i++) codes[i] = index.get(String(labels[i]))!;
  return { codes, classes };
}
