import { ConfigError } from "../core";
import { encodeLabels, type Label } from "./labels";

function pairs(x: number): number {
  return (x * (x - 1)) / 2;
}

/**
 * Adjusted Rand index between two labelings of the same points: 1 for the
 * same partition (whatever the names), about 0 for chance agreement. Same
 * definition and special cases as sklearn's adjusted_rand_score.
 */
export function adjustedRandIndex(a: ArrayLike<Label>, b: ArrayLike<Label>): number {
  if (a.length !== b.length)
    throw new ConfigError(`adjustedRandIndex: the labelings have ${a.length} and ${b.length} entries; they must label the same points`);
  const n = a.length;
  const ea = encodeLabels(a, "adjustedRandIndex (first labeling)");
  const eb = encodeLabels(b, "adjustedRandIndex (second labeling)");
  const ka = ea.classes.length;
  const kb = eb.classes.length;
  // One cluster each, or every point alone in both: identical partitions.
  if (n <= 1 || (ka === kb && (ka === 1 || ka === n))) return 1;
  const table = new Float64Array(ka * kb);
  const rowSum = new Float64Array(ka);
  const colSum = new Float64Array(kb);
  for (let i = 0; i < n; i++) {
    table[ea.codes[i]! * kb + eb.codes[i]!]! += 1;
    rowSum[ea.codes[i]!]! += 1;
    colSum[eb.codes[i]!]! += 1;
  }
  let index = 0;
  for (const v of table) index += pairs(v);
  let sa = 0;
  let sb = 0;
  for (const v of rowSum) sa += pairs(v);
  for (const v of colSum) sb += pairs(v);
  const expected = (sa * sb) / pairs(n);
  const max = (sa + sb) / 2;
  if (max === expected) return 1;
  return (index - expected) / (max - expected);
}
