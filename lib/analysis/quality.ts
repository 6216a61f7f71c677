import { ConfigError, random } from "../core";
import { checkSameRows, type MatrixLike, toMatrix } from "./matrix";
import { nearestNeighboursBrute } from "./neighbours";

export interface MapQualityOptions {
  /** Neighbourhood size (default 10). */
  k?: number;
  /**
   * Evaluate on this many randomly chosen query points (each still ranked
   * against all points). Exact over all points when omitted; at 41k points a
   * sample of a few thousand keeps the cost to a minute.
   */
  sampleSize?: number;
  /** Seed of the query sample (default 42). */
  seed?: number;
}

export interface MapQuality {
  /** See `trustworthiness`. */
  trustworthiness: number;
  /** See `knnPreservation`. */
  knnPreservation: number;
  k: number;
  /** Query points evaluated (n unless sampled). */
  queries: number;
}

function queryPoints(n: number, o: MapQualityOptions): Int32Array {
  if (o.sampleSize === undefined || o.sampleSize >= n) return Int32Array.from({ length: n }, (_, i) => i);
  return Int32Array.from(random(o.seed ?? 42).sampleWithoutReplacement(n, o.sampleSize)).sort();
}

/**
 * Trustworthiness and k-NN preservation of several maps of the same points,
 * sharing the expensive pass over the original space (one distance row per
 * query point), so comparing maps costs little more than scoring one.
 */
export function mapQuality(original: MatrixLike, maps: readonly MatrixLike[], options: MapQualityOptions = {}): MapQuality[] {
  const X = toMatrix(original, "map quality (original)");
  const Ys = maps.map((m, i) => toMatrix(m, `map quality (map ${i})`));
  for (const [i, Y] of Ys.entries()) checkSameRows(X, Y, "original", `map ${i}`);
  const n = X.rows;
  const k = options.k ?? 10;
  if (!(Number.isInteger(k) && k >= 1 && k < n / 2))
    throw new ConfigError(`map quality: k (${k}) must be an integer, at least 1 and less than n/2 (${n / 2})`);
  const q = queryPoints(n, options);
  const mapNeighbours = Ys.map((Y) => nearestNeighboursBrute(Y, k, q));
  const penalty = new Float64Array(Ys.length);
  const shared = new Float64Array(Ys.length);
  const dist = new Float64Array(n);
  const own = new Set<number>();
  const d = X.cols;
  const order = new Int32Array(n);
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
    // Rank of every point among i's neighbours (1 = nearest other point), ties by index.
    for (let j = 0; j < n; j++) order[j] = j;
    order.sort((a, b) => dist[a]! - dist[b]! || a - b);
    const rank = new Int32Array(n);
    let next = 1;
    for (let t = 0; t < n; t++) if (order[t] !== i) rank[order[t]!] = next++;
    own.clear();
    for (let t = 0, got = 0; got < k; t++)
      if (order[t] !== i) {
        own.add(order[t]!);
        got++;
      }
    for (let m = 0; m < Ys.length; m++) {
      const nb = mapNeighbours[m]!.indices;
      for (let t = 0; t < k; t++) {
        const j = nb[r * k + t]!;
        const rj = rank[j]!;
        if (rj > k) penalty[m]! += rj - k;
        if (own.has(j)) shared[m]++;
      }
    }
  }
  return Ys.map((_, m) => ({
    trustworthiness: 1 - ((penalty[m]! * n) / q.length) * (2 / (n * k * (2 * n - 3 * k - 1))),
    knnPreservation: shared[m]! / (q.length * k),
    k,
    queries: q.length,
  }));
}

/**
 * Trustworthiness of a map (van der Maaten's definition, as sklearn's
 * `trustworthiness`): 1 − 2/(n k (2n − 3k − 1)) · Σ_i Σ_{j ∈ map neighbours of i}
 * max(0, r(i, j) − k), with r(i, j) the rank of j among i's neighbours in the
 * original space. 1 means no point in the map has a stranger as a neighbour.
 * With `sampleSize` the sum over i is estimated from a sample of points.
 */
export function trustworthiness(original: MatrixLike, embedded: MatrixLike, options: MapQualityOptions = {}): number {
  return mapQuality(original, [embedded], options)[0]!.trustworthiness;
}

/**
 * k-NN preservation: the mean fraction of each point's k nearest neighbours
 * in the original space that are also among its k nearest in the map.
 */
export function knnPreservation(original: MatrixLike, embedded: MatrixLike, options: MapQualityOptions = {}): number {
  return mapQuality(original, [embedded], options)[0]!.knnPreservation;
}
