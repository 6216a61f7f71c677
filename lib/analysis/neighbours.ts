import * as tf from "@tensorflow/tfjs";
import { ConfigError, type OnProgress } from "../core";
import { type Matrix } from "./matrix";

/**
 * The k nearest neighbours of every point (itself excluded), nearest first.
 * Row i's neighbours are `indices[i*k .. i*k+k)`, with their squared Euclidean
 * distances at the same places of `distances`. Ties are broken by index.
 */
export interface Neighbours {
  n: number;
  k: number;
  indices: Int32Array;
  distances: Float32Array;
}

export interface NeighbourOptions {
  /** Rows per block of the distance computation (default 1024). */
  blockSize?: number;
  onProgress?: OnProgress;
}

function checkK(n: number, k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new ConfigError(`nearest neighbours: k must be a positive integer, found ${k}`);
  if (k > n - 1) throw new ConfigError(`nearest neighbours: not enough points (${n}) for ${k} neighbours each; use k <= ${n - 1} or add points`);
}

/**
 * Fixed-size max-heaps, one per query row, in two flat typed arrays, so that
 * holding 900 candidates for each of 41k points costs two allocations.
 */
class TopK {
  readonly dist: Float32Array;
  readonly idx: Int32Array;
  readonly size: Int32Array;

  constructor(readonly rows: number, readonly k: number) {
    this.dist = new Float32Array(rows * k);
    this.idx = new Int32Array(rows * k);
    this.size = new Int32Array(rows);
  }

  /** Offers candidate j at squared distance d to row r. */
  push(r: number, j: number, d: number): void {
    const k = this.k;
    const base = r * k;
    const dist = this.dist;
    const idx = this.idx;
    let s = this.size[r]!;
    if (s < k) {
      let c = s;
      this.size[r] = s + 1;
      while (c > 0) {
        const p = (c - 1) >> 1;
        const pd = dist[base + p]!;
        if (pd > d || (pd === d && idx[base + p]! > j)) break;
        dist[base + c] = pd;
        idx[base + c] = idx[base + p]!;
        c = p;
      }
      dist[base + c] = d;
      idx[base + c] = j;
      return;
    }
    const top = dist[base]!;
    if (d > top || (d === top && j > idx[base]!)) return;
    s = k;
    let c = 0;
    for (;;) {
      let m = 2 * c + 1;
      if (m >= s) break;
      const r2 = m + 1;
      if (r2 < s && (dist[base + r2]! > dist[base + m]! || (dist[base + r2] === dist[base + m] && idx[base + r2]! > idx[base + m]!))) m = r2;
      const md = dist[base + m]!;
      if (md < d || (md === d && idx[base + m]! < j)) break;
      dist[base + c] = md;
      idx[base + c] = idx[base + m]!;
      c = m;
    }
    dist[base + c] = d;
    idx[base + c] = j;
  }

  /** Sorts every heap nearest first (heap order → sorted order). */
  finish(): Neighbours {
    const { rows, k } = this;
    const order = new Int32Array(k);
    const tmpD = new Float32Array(k);
    const tmpI = new Int32Array(k);
    for (let r = 0; r < rows; r++) {
      const base = r * k;
      for (let t = 0; t < k; t++) order[t] = t;
      const d = this.dist;
      const ix = this.idx;
      order.sort((a, b) => d[base + a]! - d[base + b]! || ix[base + a]! - ix[base + b]!);
      for (let t = 0; t < k; t++) {
        tmpD[t] = d[base + order[t]!]!;
        tmpI[t] = ix[base + order[t]!]!;
      }
      d.set(tmpD, base);
      ix.set(tmpI, base);
    }
    return { n: rows, k, indices: this.idx, distances: this.dist };
  }
}

/**
 * Exact k nearest neighbours of `queries` (row indices of X; all rows when
 * omitted) among all rows of X, in plain JavaScript: fine for a few thousand
 * points or a sample of queries. Row r of the result belongs to queries[r].
 */
export function nearestNeighboursBrute(X: Matrix, k: number, queries?: ArrayLike<number>): Neighbours {
  const n = X.rows;
  checkK(n, k);
  const d = X.cols;
  const data = X.data;
  const q = queries ?? Int32Array.from({ length: n }, (_, i) => i);
  const top = new TopK(q.length, k);
  for (let r = 0; r < q.length; r++) {
    const i = q[r]!;
    const pi = i * d;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      let s = 0;
      for (let c = 0, pj = j * d; c < d; c++) {
        const t = data[pi + c]! - data[pj + c]!;
        s += t * t;
      }
      top.push(r, j, s);
    }
  }
  return top.finish();
}

/**
 * Exact k nearest neighbours of every row of X at thesis scale: squared
 * distances |x|² + |y|² − 2 x·y computed block by block with the engine's
 * matrix product (SIMD WebAssembly here, a GPU on the cluster), using the
 * symmetry so each pair of blocks is multiplied once.
 *
 * Returns null when `onProgress` asked to stop.
 */
export async function nearestNeighbours(X: Matrix, k: number, options: NeighbourOptions = {}): Promise<Neighbours | null> {
  const n = X.rows;
  checkK(n, k);
  const d = X.cols;
  const B = Math.max(1, Math.min(options.blockSize ?? 1024, n));
  const f32 = X.data instanceof Float32Array ? X.data : Float32Array.from(X.data);
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0, p = i * d; c < d; c++, p++) s += f32[p]! * f32[p]!;
    norms[i] = s;
  }
  const blocks = Math.ceil(n / B);
  const blockTensors: tf.Tensor2D[] = [];
  // Right-hand blocks are stored transposed: the WebAssembly backend's matMul
  // with transposeB is about ten times slower than on a transposed copy.
  const transposed: tf.Tensor2D[] = [];
  for (let b = 0; b < blocks; b++) {
    const lo = b * B;
    const hi = Math.min(n, lo + B);
    const t = tf.tensor2d(f32.subarray(lo * d, hi * d), [hi - lo, d]);
    blockTensors.push(t);
    transposed.push(tf.tidy(() => t.transpose().clone() as tf.Tensor2D));
  }
  const top = new TopK(n, k);
  const pairs = (blocks * (blocks + 1)) / 2;
  let done = 0;
  try {
    for (let bi = 0; bi < blocks; bi++) {
      const i0 = bi * B;
      const ni = blockTensors[bi]!.shape[0];
      for (let bj = bi; bj < blocks; bj++) {
        const j0 = bj * B;
        const nj = blockTensors[bj]!.shape[0];
        const g = tf.matMul(blockTensors[bi]!, transposed[bj]!);
        const dot = (await g.data()) as Float32Array;
        g.dispose();
        for (let a = 0; a < ni; a++) {
          const i = i0 + a;
          const ni2 = norms[i]!;
          const row = a * nj;
          for (let b = 0; b < nj; b++) {
            const j = j0 + b;
            if (j === i) continue;
            let s = ni2 + norms[j]! - 2 * dot[row + b]!;
            if (s < 0) s = 0;
            top.push(i, j, s);
            if (bj !== bi) top.push(j, i, s);
          }
        }
        done++;
        if (options.onProgress?.({ done, total: pairs, label: "nearest neighbours" }) === false) return null;
      }
    }
  } finally {
    for (const t of blockTensors) t.dispose();
    for (const t of transposed) t.dispose();
  }
  return top.finish();
}
