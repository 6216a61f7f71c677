import type { Share } from "../core";

/**
 * The inner loops of t-SNE that run on several threads: the exact
 * nearest-neighbour search, the perplexity search and the gradient. The
 * workers of a TsnePool load this file (see setupShare).
 *
 * Work is shared out in chunks through an atomic counter, and every output
 * element is written by exactly one thread from the same inputs, so results
 * are the same bits whatever the number of threads.
 */

/** A job as posted to the threads; `counter` is set by the pool. */
export type TsneJob = KnnJob | KnnMergeJob | AffinityJob | RepulsionJob | AttractionJob;

/**
 * One thread's candidates for every row, as keys that sort like (distance,
 * index): the bits of the non-negative float32 distance (which order like the
 * distances) times 2²¹ plus the index, exact below 2²¹ points. Row r holds
 * `size[r]` keys at `keys[r·cap ..]`, unordered; the row's k nearest are
 * among them, and only keys below `bound[r]` can still be among them. When a
 * row fills up it is cut back to its k smallest (quickselect), so a
 * candidate costs O(1) on average, also for k = 901.
 */
export interface KnnCandidates {
  keys: Float64Array;
  size: Int32Array;
  bound: Float64Array;
  cap: number;
}

export interface KnnJob {
  kind: "knn";
  counter: Int32Array;
  /** WebAssembly.Module of distances.wasm and the shared memory it works in. */
  module: object;
  memory: { buffer: SharedArrayBuffer };
  xPtr: number;
  panelPtr: number;
  normPtr: number;
  /** Byte address of thread 0's block of distances; thread t's is at outPtr + t · outBytes. */
  outPtr: number;
  outBytes: number;
  n: number;
  d: number;
  k: number;
  block: number;
  /** Block pairs (bi, bj), bi ≤ bj, flattened; this job runs pairs [first, last). */
  pairs: Int32Array;
  first: number;
  last: number;
  /** One set per thread: each thread offers its pairs to its own. */
  candidates: KnnCandidates[];
}

export interface KnnMergeJob {
  kind: "knn-merge";
  counter: Int32Array;
  n: number;
  k: number;
  candidates: KnnCandidates[];
  indices: Int32Array;
  distances: Float32Array;
}

export interface AffinityJob {
  kind: "affinities";
  counter: Int32Array;
  n: number;
  k: number;
  distances: Float32Array;
  target: number;
  out: Float64Array;
  /** 1 for each row whose search did not converge. */
  failed: Uint8Array;
}

export interface RepulsionJob {
  kind: "repulsion";
  counter: Int32Array;
  n: number;
  dims: number;
  theta: number;
  y: Float64Array;
  /** SpaceTree.packed and SpaceTree.order. */
  tree: Float64Array;
  order: Int32Array;
  /** Outputs per point: Σ_j w_ij² (y_i − y_j) and Σ_j w_ij, with w = 1 / (1 + |y_i − y_j|²). */
  repulsive: Float64Array;
  z: Float64Array;
}

export interface AttractionJob {
  kind: "attraction";
  counter: Int32Array;
  n: number;
  dims: number;
  y: Float64Array;
  rowStart: Int32Array;
  columns: Int32Array;
  values: Float32Array;
  withError: boolean;
  /** Outputs per point: Σ_j p_ij w_ij (y_i − y_j), and Σ_j p_ij log(p_ij / w_ij) when withError. */
  attractive: Float64Array;
  kl: Float64Array;
}

/** Offers candidate j at squared distance d to row r's max-heap of the k nearest (ties by index). */
export function heapPush(dist: Float32Array, idx: Int32Array, size: Int32Array, k: number, r: number, j: number, d: number): void {
  const base = r * k;
  const s = size[r]!;
  if (s < k) {
    let c = s;
    size[r] = s + 1;
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
  let c = 0;
  for (;;) {
    let m = 2 * c + 1;
    if (m >= k) break;
    const r2 = m + 1;
    if (r2 < k && (dist[base + r2]! > dist[base + m]! || (dist[base + r2] === dist[base + m] && idx[base + r2]! > idx[base + m]!))) m = r2;
    const md = dist[base + m]!;
    if (md < d || (md === d && idx[base + m]! < j)) break;
    dist[base + c] = md;
    idx[base + c] = idx[base + m]!;
    c = m;
  }
  dist[base + c] = d;
  idx[base + c] = j;
}

/**
 * Moves the k smallest of keys[base .. base + len) to its first k places
 * (quickselect, median-of-three pivots) and returns the largest of them.
 * Keys are distinct.
 */
export function selectSmallest(keys: Float64Array, base: number, len: number, k: number): number {
  const target = base + k - 1;
  let lo = base;
  let hi = base + len - 1;
  while (lo < hi) {
    const a = keys[lo]!;
    const b = keys[(lo + hi) >> 1]!;
    const c = keys[hi]!;
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (keys[i]! < pivot) i++;
      while (keys[j]! > pivot) j--;
      if (i <= j) {
        const t = keys[i]!;
        keys[i] = keys[j]!;
        keys[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else break;
  }
  return keys[target]!;
}

/** Offers a candidate key to row r (see KnnCandidates). */
export function offer(c: KnnCandidates, k: number, r: number, key: number): void {
  const s = c.size[r]! + 1;
  c.keys[r * c.cap + s - 1] = key;
  if (s < c.cap) {
    c.size[r] = s;
    return;
  }
  c.bound[r] = selectSmallest(c.keys, r * c.cap, s, k);
  c.size[r] = k;
}

/**
 * Distances of the job's block pairs (distances.wasm) offered to this
 * thread's candidates: both ways for pairs of different blocks, one way
 * within a block, so every (row, candidate) is offered exactly once over all
 * threads.
 */
export function knnBlocks(job: KnnJob, part: number): void {
  const WA = (globalThis as unknown as { WebAssembly: { Instance: new (m: object, i: object) => { exports: Record<string, unknown> } } })
    .WebAssembly;
  const sqdist = new WA.Instance(job.module, { env: { memory: job.memory } }).exports.sqdist_block as (...a: number[]) => void;
  const { n, d, k, block, pairs } = job;
  const cand = job.candidates[part]!;
  const bound = cand.bound;
  const outPtr = job.outPtr + part * job.outBytes;
  for (;;) {
    const t = job.first + Atomics.add(job.counter, 0, 1);
    if (t >= job.last) break;
    const i0 = pairs[2 * t]! * block;
    const j0 = pairs[2 * t + 1]! * block;
    const ni = Math.min(block, n - i0);
    const nj = Math.min(block, n - j0);
    const niPad = (ni + 3) & ~3;
    const njPad = (nj + 7) & ~7;
    sqdist(job.xPtr, job.panelPtr, job.normPtr, d, i0, niPad, j0, njPad, outPtr);
    // The distances' float32 bits, which order like the distances themselves.
    const bits = new Uint32Array(job.memory.buffer, outPtr, niPad * njPad);
    if (i0 === j0) {
      for (let a = 0; a < ni; a++) {
        const i = i0 + a;
        const row = a * njPad;
        for (let b = 0; b < nj; b++) {
          const key = bits[row + b]! * 2097152 + i0 + b;
          if (b !== a && key < bound[i]!) offer(cand, k, i, key);
        }
      }
    } else {
      for (let a = 0; a < ni; a++) {
        const i = i0 + a;
        const row = a * njPad;
        for (let b = 0; b < nj; b++) {
          const high = bits[row + b]! * 2097152;
          const j = j0 + b;
          if (high + j < bound[i]!) offer(cand, k, i, high + j);
          if (high + i < bound[j]!) offer(cand, k, j, high + i);
        }
      }
    }
  }
}

/** Each row's k nearest over all threads' candidates, nearest first, ties by index. */
export function knnMerge(job: KnnMergeJob): void {
  const { n, k, candidates } = job;
  let total = 0;
  for (const c of candidates) total += c.cap;
  const keys = new Float64Array(total);
  const f = new Float32Array(1);
  const bits = new Uint32Array(f.buffer);
  const chunk = 64;
  for (;;) {
    const from = Atomics.add(job.counter, 0, 1) * chunk;
    if (from >= n) break;
    const to = Math.min(n, from + chunk);
    for (let r = from; r < to; r++) {
      let m = 0;
      for (const c of candidates) {
        const s = c.size[r]!;
        keys.set(c.keys.subarray(r * c.cap, r * c.cap + s), m);
        m += s;
      }
      const sorted = keys.subarray(0, m);
      selectSmallest(sorted, 0, m, k);
      sorted.subarray(0, k).sort();
      for (let t = 0; t < k; t++) {
        const key = sorted[t]!;
        const j = key % 2097152;
        bits[0] = (key - j) / 2097152;
        job.indices[r * k + t] = j;
        job.distances[r * k + t] = f[0]!;
      }
    }
  }
}

/**
 * Conditional probabilities p(j|i) over each row's neighbours, with the
 * Gaussian precision found by bisection until the row's entropy is
 * log(perplexity) (sklearn's _binary_search_perplexity, on squared distances).
 */
export function affinityRows(job: AffinityJob): void {
  const { n, k, distances, target, out } = job;
  const chunk = 64;
  for (;;) {
    const from = Atomics.add(job.counter, 0, 1) * chunk;
    if (from >= n) break;
    const to = Math.min(n, from + chunk);
    for (let i = from; i < to; i++) {
      const base = i * k;
      // Shifting by the smallest distance leaves p(j|i) and the entropy unchanged and avoids underflow.
      const d0 = distances[base]!;
      let beta = 1;
      let lo = -Infinity;
      let hi = Infinity;
      let converged = false;
      for (let step = 0; step < 200; step++) {
        let sum = 0;
        let weighted = 0;
        for (let t = 0; t < k; t++) {
          const dt = distances[base + t]! - d0;
          const p = Math.exp(-dt * beta);
          out[base + t] = p;
          sum += p;
          weighted += dt * p;
        }
        const entropy = Math.log(sum) + (beta * weighted) / sum;
        const diff = entropy - target;
        if (Math.abs(diff) <= 1e-5) {
          converged = true;
          break;
        }
        if (diff > 0) {
          lo = beta;
          beta = hi === Infinity ? beta * 2 : (beta + hi) / 2;
        } else {
          hi = beta;
          beta = lo === -Infinity ? beta / 2 : (beta + lo) / 2;
        }
      }
      let sum = 0;
      for (let t = 0; t < k; t++) sum += out[base + t]!;
      for (let t = 0; t < k; t++) out[base + t] = out[base + t]! / sum;
      job.failed[i] = converged ? 0 : 1;
    }
  }
}

/**
 * Repulsion of t-SNE in 2D by Barnes-Hut: a cell whose side over distance is
 * below theta counts as one point at its centre of mass. Points are visited
 * in the tree's order, so consecutive points walk much the same nodes.
 */
export function repulsion2(job: RepulsionJob): void {
  const { n, y, tree, order, repulsive, z } = job;
  const t2 = job.theta * job.theta;
  const stack = new Int32Array(4 * 512);
  const chunk = 128;
  for (;;) {
    const from = Atomics.add(job.counter, 0, 1) * chunk;
    if (from >= n) break;
    const to = Math.min(n, from + chunk);
    for (let r = from; r < to; r++) {
      const i = order[r]!;
      const yx = y[2 * i]!;
      const yy = y[2 * i + 1]!;
      let fx = 0;
      let fy = 0;
      let zi = 0;
      let top = 0;
      stack[top++] = 0;
      while (top > 0) {
        const o = 7 * stack[--top]!;
        const dx = yx - tree[o]!;
        const dy = yy - tree[o + 1]!;
        const d2 = dx * dx + dy * dy;
        const children = tree[o + 5]!;
        let c = tree[o + 3]!;
        if (children === 0) {
          // The point's own leaf (its points are at order[own .. own + c)): only its duplicates repel it.
          const own = tree[o + 6]!;
          if (r >= own && r < own + c) c -= 1;
          if (c === 0) continue;
        } else if (tree[o + 2]! >= t2 * d2) {
          const first = tree[o + 4]!;
          for (let q = 0; q < children; q++) stack[top++] = first + q;
          continue;
        }
        const w = 1 / (1 + d2);
        zi += c * w;
        const f = c * w * w;
        fx += f * dx;
        fy += f * dy;
      }
      repulsive[2 * i] = fx;
      repulsive[2 * i + 1] = fy;
      z[i] = zi;
    }
  }
}

/** repulsion2 in 3D (an octree). */
export function repulsion3(job: RepulsionJob): void {
  const { n, y, tree, order, repulsive, z } = job;
  const t2 = job.theta * job.theta;
  const stack = new Int32Array(8 * 512);
  const chunk = 128;
  for (;;) {
    const from = Atomics.add(job.counter, 0, 1) * chunk;
    if (from >= n) break;
    const to = Math.min(n, from + chunk);
    for (let r = from; r < to; r++) {
      const i = order[r]!;
      const yx = y[3 * i]!;
      const yy = y[3 * i + 1]!;
      const yz = y[3 * i + 2]!;
      let fx = 0;
      let fy = 0;
      let fz = 0;
      let zi = 0;
      let top = 0;
      stack[top++] = 0;
      while (top > 0) {
        const o = 8 * stack[--top]!;
        const dx = yx - tree[o]!;
        const dy = yy - tree[o + 1]!;
        const dz = yz - tree[o + 2]!;
        const d2 = dx * dx + dy * dy + dz * dz;
        const children = tree[o + 6]!;
        let c = tree[o + 4]!;
        if (children === 0) {
          const own = tree[o + 7]!;
          if (r >= own && r < own + c) c -= 1;
          if (c === 0) continue;
        } else if (tree[o + 3]! >= t2 * d2) {
          const first = tree[o + 5]!;
          for (let q = 0; q < children; q++) stack[top++] = first + q;
          continue;
        }
        const w = 1 / (1 + d2);
        zi += c * w;
        const f = c * w * w;
        fx += f * dx;
        fy += f * dy;
        fz += f * dz;
      }
      repulsive[3 * i] = fx;
      repulsive[3 * i + 1] = fy;
      repulsive[3 * i + 2] = fz;
      z[i] = zi;
    }
  }
}

/** Attraction of t-SNE in 2D over the sparse P. */
export function attraction2(job: AttractionJob): void {
  const { n, y, rowStart, columns, values, attractive, kl, withError } = job;
  const chunk = 128;
  for (;;) {
    const from = Atomics.add(job.counter, 0, 1) * chunk;
    if (from >= n) break;
    const to = Math.min(n, from + chunk);
    for (let i = from; i < to; i++) {
      const yx = y[2 * i]!;
      const yy = y[2 * i + 1]!;
      let ax = 0;
      let ay = 0;
      let e = 0;
      for (let t = rowStart[i]!, end = rowStart[i + 1]!; t < end; t++) {
        const j = columns[t]!;
        const dx = yx - y[2 * j]!;
        const dy = yy - y[2 * j + 1]!;
        const w = 1 / (1 + dx * dx + dy * dy);
        const pw = values[t]! * w;
        ax += pw * dx;
        ay += pw * dy;
        if (withError) e += values[t]! * Math.log(Math.max(values[t]!, 1e-12) / w);
      }
      attractive[2 * i] = ax;
      attractive[2 * i + 1] = ay;
      kl[i] = e;
    }
  }
}

/** attraction2 in 3D. */
export function attraction3(job: AttractionJob): void {
  const { n, y, rowStart, columns, values, attractive, kl, withError } = job;
  const chunk = 128;
  for (;;) {
    const from = Atomics.add(job.counter, 0, 1) * chunk;
    if (from >= n) break;
    const to = Math.min(n, from + chunk);
    for (let i = from; i < to; i++) {
      const yx = y[3 * i]!;
      const yy = y[3 * i + 1]!;
      const yz = y[3 * i + 2]!;
      let ax = 0;
      let ay = 0;
      let az = 0;
      let e = 0;
      for (let t = rowStart[i]!, end = rowStart[i + 1]!; t < end; t++) {
        const j = columns[t]!;
        const dx = yx - y[3 * j]!;
        const dy = yy - y[3 * j + 1]!;
        const dz = yz - y[3 * j + 2]!;
        const w = 1 / (1 + dx * dx + dy * dy + dz * dz);
        const pw = values[t]! * w;
        ax += pw * dx;
        ay += pw * dy;
        az += pw * dz;
        if (withError) e += values[t]! * Math.log(Math.max(values[t]!, 1e-12) / w);
      }
      attractive[3 * i] = ax;
      attractive[3 * i + 1] = ay;
      attractive[3 * i + 2] = az;
      kl[i] = e;
    }
  }
}

/** Runs this thread's share (part 0 is the calling thread) of a job. */
export function runJob(job: TsneJob, part: number): void {
  if (job.kind === "knn") knnBlocks(job, part);
  else if (job.kind === "knn-merge") knnMerge(job);
  else if (job.kind === "affinities") affinityRows(job);
  else if (job.kind === "repulsion") (job.dims === 2 ? repulsion2 : repulsion3)(job);
  else (job.dims === 2 ? attraction2 : attraction3)(job);
}

/** The workers' side of a TsnePool: thread `part` runs its share of each job posted to it. */
export function setupShare(_data: undefined, part: number): Share {
  return (_slots, job) => runJob(job as TsneJob, part);
}
