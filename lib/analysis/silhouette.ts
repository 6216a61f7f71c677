import { ConfigError, random } from "../core";
import { encodeLabels, type Label } from "./labels";
import { type MatrixLike, selectRows, squaredDistance, toMatrix } from "./matrix";

export interface SilhouetteOptions {
  /** Compute on a random subset of this many points (all when omitted), like sklearn's sample_size. */
  sampleSize?: number;
  /** Seed of that subset (default 42). */
  seed?: number;
}

/**
 * Silhouette value of every point (Euclidean): (b − a) / max(a, b) with a the
 * mean distance to its own cluster and b to the nearest other cluster; 0 for
 * a point alone in its cluster. As sklearn's silhouette_samples.
 */
function silhouetteSamples(x: MatrixLike, labels: ArrayLike<Label>): Float64Array {
  const m = toMatrix(x, "silhouette");
  const n = m.rows;
  if (labels.length !== n) throw new ConfigError(`silhouette: ${labels.length} labels for ${n} points`);
  const { codes, classes } = encodeLabels(labels, "silhouette labels");
  const k = classes.length;
  if (k < 2 || k > n - 1) throw new ConfigError(`silhouette: needs 2..${n - 1} clusters (n points − 1), found ${k}`);
  const size = new Float64Array(k);
  for (let i = 0; i < n; i++) size[codes[i]!]! += 1;
  const sums = new Float64Array(k);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    sums.fill(0);
    for (let j = 0; j < n; j++) if (j !== i) sums[codes[j]!]! += Math.sqrt(squaredDistance(m, i, m, j));
    const own = codes[i]!;
    if (size[own]! <= 1) continue;
    const a = sums[own]! / (size[own]! - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++) if (c !== own) b = Math.min(b, sums[c]! / size[c]!);
    out[i] = (b - a) / Math.max(a, b);
  }
  return out;
}

/** Mean silhouette value (sklearn's silhouette_score): near 1 compact separated clusters, near 0 overlapping. */
export function silhouette(x: MatrixLike, labels: ArrayLike<Label>, options: SilhouetteOptions = {}): number {
  let m = toMatrix(x, "silhouette");
  let l = labels;
  if (options.sampleSize !== undefined && options.sampleSize < m.rows) {
    const idx = random(options.seed ?? 42).sampleWithoutReplacement(m.rows, options.sampleSize);
    m = selectRows(m, idx);
    l = idx.map((i) => labels[i]!);
  }
  const s = silhouetteSamples(m, l);
  let t = 0;
  for (const v of s) t += v;
  return t / s.length;
}
