import { ConfigError, Random } from "../core";

/** The splits `--split a,b,c` fills, in order. */
export const SPLIT_NAMES = ["train", "val", "test"] as const;

/** Orders split names train, val, test, then any other by name. */
export function compareSplits(a: string, b: string): number {
  const rank = (s: string): number => {
    const i = (SPLIT_NAMES as readonly string[]).indexOf(s);
    return i < 0 ? SPLIT_NAMES.length : i;
  };
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * Neurons per split for `n` neurons and shares such as [80, 10, 10] (any
 * scale): the largest-remainder rounding of n × share, and every split with a
 * share gets at least one neuron when there are enough (taken from the largest).
 */
export function splitCounts(n: number, shares: readonly number[]): number[] {
  if (shares.length < 1 || shares.length > SPLIT_NAMES.length) {
    throw new ConfigError(`split: expected 1 to ${SPLIT_NAMES.length} shares (${SPLIT_NAMES.join(", ")}), found ${shares.length}`);
  }
  const total = shares.reduce((a, b) => a + b, 0);
  if (shares.some((s) => !(s >= 0)) || !(total > 0))
    throw new ConfigError(`split: expected shares >= 0 with a positive sum, found ${shares.join(",")}`);
  const exact = shares.map((s) => (n * s) / total);
  const counts = exact.map(Math.floor);
  const byRemainder = shares.map((_, i) => i).sort((a, b) => exact[b]! - counts[b]! - (exact[a]! - counts[a]!) || a - b);
  for (let k = 0; counts.reduce((a, b) => a + b, 0) < n; k++) counts[byRemainder[k]!]!++;
  const wanted = shares.filter((s) => s > 0).length;
  if (n >= wanted) {
    shares.forEach((s, i) => {
      if (s > 0 && counts[i] === 0) {
        counts[i] = 1;
        counts[counts.indexOf(Math.max(...counts))]!--;
      }
    });
  }
  return counts;
}

/** Options for assignSplits; `shares` and `seed` are required. */
export interface AssignSplitsOptions {
  /** Shares of train, val, test, e.g. [80, 10, 10]. */
  shares: readonly number[];
  seed: number;
  /** A class per neuron: each split gets each class in about the split's share. */
  strata?: readonly string[];
}

/**
 * A split name for each of `n` neurons, seeded: the same n, shares, strata
 * and seed give the same splits on every machine.
 *
 * Stratification without per-class rounding (which leaves val and test empty
 * when every class is small): each class's members, shuffled, are spread
 * evenly over [0, 1) from a random offset, all neurons are ordered by that
 * position, and the order is cut into train, val and test by splitCounts. So
 * every class is spread over every split in proportion, to within one neuron.
 */
export function assignSplits(n: number, options: AssignSplitsOptions): string[] {
  const counts = splitCounts(n, options.shares);
  const strata = options.strata ?? new Array<string>(n).fill("");
  if (strata.length !== n) throw new RangeError(`assignSplits: ${strata.length} strata for ${n} neurons`);
  const rng = new Random(options.seed);
  const members = new Map<string, number[]>();
  for (const c of [...new Set(strata)].sort()) members.set(c, []);
  strata.forEach((c, i) => members.get(c)!.push(i));
  const position = new Float64Array(n);
  for (const list of members.values()) {
    rng.shuffle(list);
    const offset = rng.next();
    list.forEach((i, j) => (position[i] = (j + offset) / list.length));
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => position[a]! - position[b]! || a - b);
  const split = new Array<string>(n);
  let at = 0;
  counts.forEach((count, s) => {
    for (const i of order.slice(at, at + count)) split[i] = SPLIT_NAMES[s]!;
    at += count;
  });
  return split;
}

/**
 * The label column to stratify by when none is named: the first whose values
 * are categories (not all numbers), with at least two classes and at least
 * two neurons in every class, so an id-like or continuous column is never
 * taken. Neurons without a value count as one more class. Null when none fits.
 */
export function defaultStratifyColumn(columns: readonly string[], values: (column: string) => readonly string[]): string | null {
  for (const c of columns) {
    const counts = new Map<string, number>();
    for (const v of values(c)) if (v !== "") counts.set(v, (counts.get(v) ?? 0) + 1);
    const classes = [...counts.keys()];
    if (classes.length < 2 || classes.every((v) => Number.isFinite(Number(v)))) continue;
    if ([...counts.values()].every((k) => k >= 2)) return c;
  }
  return null;
}
