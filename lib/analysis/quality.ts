import { ConfigError, random } from "../core";
import { checkSameRows, type MatrixLike, toMatrix } from "./matrix";
import { nearestNeighboursBrute } from "./neighbours";

export interface MapQualityOptions {
  /** Neighbourhood size (default 10). */
  k?: number;
  /**
   * Evaluate on this many randomly chosen query points (each still ranked
   * against all points). Exact over all points when omitted; at 41k points a
   * sample of a few thousand keeps the cost to seconds.
   */
  sampleSize?: number;
  /** Seed of the query sample (default 42). */
  seed?: number;
}

function queryPoints(n: number, o: MapQualityOptions): Int32Array {
  if (o.sampleSize === undefined || o.sampleSize >= n) return Int32Array.from({ length: n }, (_, i) => i);
  return Int32Array.from(random(o.seed ?? 42).sampleWithoutReplacement(n, o.sampleSize)).sort();
}

/**
 * Trustworthiness of a map (van der Maaten's definition, as sklearn's
 * `trustworthiness`): 1 − 2/(n k (2n − 3k − 1)) · Σ_i Σ_{j ∈ map neighbours of i}
 * max(0, r(i, j) − k), with r(i, j) the rank of j among i's neighbours in the
 * original space. 1 means no point in the map has a stranger as a neighbour.
 * With `sampleSize` the sum over i is estimated from a sample of points.
 */
export function trustworthiness(original: MatrixLike, embedded: MatrixLike, options: MapQualityOptions = {}): number {
  const X = toMatrix(original, "trustworthiness (original)");
  const Y = toMatrix(embedded, "trustworthiness (embedded)");
  checkSameRows(X, Y, "original", "embedded");
  const n = X.rows;
  const k = options.k ?? 10;
  if (!(k >= 1 && k < n / 2)) throw new ConfigError(`trustworthiness: k (${k}) must be at least 1 and less than n/2 (${n / 2})`);
  const q = queryPoints(n, options);
  const mapNeighbours = nearestNeighboursBrute(Y, k, q);
  const dist = new Float64Array(n);
  const d = X.cols;
  let penalty = 0;
  for (let r = 0; r < q.length; r++) {
    const i = q[r]!;
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let c = 0, p = i * d, t = j * d; c < d; c++) {
        const u = X.data[p + c]! - X.data[t + c]!;
        s += u * u;
      }
      dist[j] = s;
    }
    for (let t = 0; t < k; t++) {
      const j = mapNeighbours.indices[r * k + t]!;
      const dj = dist[j]!;
      // Rank 1 is the nearest other point; equal distances are ordered by index.
      let rank = 1;
      for (let l = 0; l < n; l++) {
        if (l === i) continue;
        const dl = dist[l]!;
        if (dl < dj || (dl === dj && l < j)) rank++;
      }
      if (rank > k) penalty += rank - k;
    }
  }
  penalty *= n / q.length;
  return 1 - (penalty * 2) / (n * k * (2 * n - 3 * k - 1));
}

/**
 * k-NN preservation: the mean fraction of each point's k nearest neighbours
 * in the original space that are also among its k nearest in the map.
 */
export function knnPreservation(original: MatrixLike, embedded: MatrixLike, options: MapQualityOptions = {}): number {
  const X = toMatrix(original, "knnPreservation (original)");
  const Y = toMatrix(embedded, "knnPreservation (embedded)");
  checkSameRows(X, Y, "original", "embedded");
  const k = options.k ?? 10;
  const q = queryPoints(X.rows, options);
  const a = nearestNeighboursBrute(X, k, q);
  const b = nearestNeighboursBrute(Y, k, q);
  let shared = 0;
  const set = new Set<number>();
  for (let r = 0; r < q.length; r++) {
    set.clear();
    for (let t = 0; t < k; t++) set.add(a.indices[r * k + t]!);
    for (let t = 0; t < k; t++) if (set.has(b.indices[r * k + t]!)) shared++;
  }
  return shared / (q.length * k);
}

