import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError, type OnProgress } from "../core";
import { type Matrix } from "./matrix";
import { heapPush, type KnnCandidates } from "./tsne-kernels";
import { sharedArray, TsnePool } from "./tsne-pool";

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
  /** Rows per block of the distance computation, a multiple of 8 (default 256). */
  blockSize?: number;
  /** Threads (default: WORKBENCH_THREADS, else all cores); the result does not depend on it. */
  threads?: number;
  onProgress?: OnProgress;
}

function checkK(n: number, k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new ConfigError(`nearest neighbours: k must be a positive integer, found ${k}`);
  if (k > n - 1)
    throw new ConfigError(`nearest neighbours: not enough points (${n}) for ${k} neighbours each; use k <= ${n - 1} or add points`);
}

/**
 * Fixed-size max-heaps, one per query row, in two flat typed arrays, so that
 * holding 900 candidates for each of 41k points costs two allocations.
 */
class TopK {
  readonly dist: Float32Array;
  readonly idx: Int32Array;
  readonly size: Int32Array;

  constructor(
    readonly rows: number,
    readonly k: number,
  ) {
    this.dist = new Float32Array(rows * k);
    this.idx = new Int32Array(rows * k);
    this.size = new Int32Array(rows);
  }

  /** Offers candidate j at squared distance d to row r. */
  push(r: number, j: number, d: number): void {
    heapPush(this.dist, this.idx, this.size, this.k, r, j, d);
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

// The compiled distance kernel, read once (kernels/distances.c).
let distanceModule: object | undefined;
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => { buffer: SharedArrayBuffer };
}
const WASM = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
const PAGE = 65536;
/** distances.wasm keeps its (unused) C stack below this address; buffers start here. */
const HEAP_BASE = 2 * PAGE;
const MAX_BYTES = 2 ** 32;
/** Candidate keys pack an index into 21 bits (see KnnCandidates). */
const MAX_POINTS = 2 ** 21;

/**
 * Exact k nearest neighbours of every row of X at thesis scale: squared
 * distances |x|² + |y|² − 2 x·y block by block in WebAssembly SIMD
 * (kernels/distances.c) on all threads, each pair of blocks once. Every
 * thread keeps its own candidates; they are merged at the end, so the result
 * is the same for any number of threads.
 *
 * Returns null when `onProgress` asked to stop.
 */
export async function nearestNeighbours(X: Matrix, k: number, options: NeighbourOptions = {}): Promise<Neighbours | null> {
  const pool = new TsnePool(options.threads);
  try {
    return await nearestNeighboursOn(pool, X, k, options);
  } finally {
    pool.close();
  }
}

/** nearestNeighbours on the threads of an existing pool. */
export async function nearestNeighboursOn(
  pool: TsnePool,
  X: Matrix,
  k: number,
  options: Omit<NeighbourOptions, "threads"> = {},
): Promise<Neighbours | null> {
  const n = X.rows;
  checkK(n, k);
  if (n >= MAX_POINTS)
    throw new ConfigError(`nearest neighbours: ${n} points are too many for the exact search (at most ${MAX_POINTS - 1})`);
  const d = X.cols;
  const nPad = Math.ceil(n / 8) * 8;
  const B = Math.min(Math.ceil(Math.max(8, options.blockSize ?? 256) / 8) * 8, nPad);
  const xBytes = nPad * d * 4;
  const outBytes = B * B * 4;
  const xPtr = HEAP_BASE;
  const panelPtr = xPtr + xBytes;
  const normPtr = panelPtr + xBytes;
  const outPtr = normPtr + Math.ceil(nPad / 4) * 16;
  const total = outPtr + pool.threads * outBytes;
  if (total > MAX_BYTES)
    throw new ConfigError(
      `nearest neighbours: ${n} × ${d} points need ${(total / 2 ** 30).toFixed(2)} GiB of kernel memory; the limit is 4 GiB`,
    );
  distanceModule ??= new WASM.Module(fs.readFileSync(path.join(__dirname, "kernels", "distances.wasm")));
  const memory = new WASM.Memory({ initial: Math.ceil(total / PAGE), maximum: MAX_BYTES / PAGE, shared: true });
  const x = new Float32Array(memory.buffer, xPtr, nPad * d);
  const panels = new Float32Array(memory.buffer, panelPtr, nPad * d);
  const norms = new Float32Array(memory.buffer, normPtr, nPad);
  const src = X.data;
  for (let i = 0; i < n; i++) {
    let s = 0;
    const p = (i >> 3) * d * 8 + (i & 7);
    for (let c = 0; c < d; c++) {
      const v = Math.fround(src[i * d + c]!);
      x[i * d + c] = v;
      panels[p + c * 8] = v;
      s += v * v;
    }
    norms[i] = s;
  }
  const blocks = Math.ceil(n / B);
  const pairs = new Int32Array(blocks * (blocks + 1));
  let count = 0;
  for (let bi = 0; bi < blocks; bi++) {
    for (let bj = bi; bj < blocks; bj++) {
      pairs[2 * count] = bi;
      pairs[2 * count + 1] = bj;
      count++;
    }
  }
  const cap = 2 * k + 32;
  const candidates: KnnCandidates[] = Array.from({ length: pool.threads }, () => ({
    keys: sharedArray(Float64Array, n * cap),
    size: sharedArray(Int32Array, n),
    bound: sharedArray(Float64Array, n).fill(Infinity),
    cap,
  }));
  // Rounds of pairs, so progress shows and a notebook can redraw between them.
  const round = Math.max(4 * pool.threads, Math.ceil(count / 100));
  for (let first = 0; first < count; first += round) {
    const last = Math.min(count, first + round);
    pool.run({
      kind: "knn",
      module: distanceModule,
      memory,
      xPtr,
      panelPtr,
      normPtr,
      outPtr,
      outBytes,
      n,
      d,
      k,
      block: B,
      pairs,
      first,
      last,
      candidates,
    });
    if (options.onProgress?.({ done: last, total: count, label: "nearest neighbours" }) === false) return null;
    await new Promise((r) => setImmediate(r));
  }
  const indices = sharedArray(Int32Array, n * k);
  const distances = sharedArray(Float32Array, n * k);
  pool.run({ kind: "knn-merge", n, k, candidates, indices, distances });
  return { n, k, indices, distances };
}
