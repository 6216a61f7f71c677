import { warnOnce } from "../core";
import { type Neighbours } from "./neighbours";
import { shared, sharedArray, TsnePool } from "./tsne-pool";

/**
 * The joint probabilities P of t-SNE as a sparse symmetric matrix in CSR
 * form: row i's entries are `values[rowStart[i] .. rowStart[i+1])` at columns
 * `columns[...]`. All entries sum to 1. The arrays are in shared memory, for
 * the gradient's worker threads.
 */
export interface SparseAffinities {
  n: number;
  rowStart: Int32Array;
  columns: Int32Array;
  values: Float32Array;
}

/**
 * Conditional probabilities p(j|i) over each point's nearest neighbours,
 * with the Gaussian width found by bisection so each row's perplexity is the
 * target (as sklearn's _binary_search_perplexity, on squared distances).
 * Returns the k values per row, laid out like `nn.indices`.
 */
export function conditionalAffinities(nn: Neighbours, perplexity: number): Float64Array {
  return conditionalAffinitiesOn(new TsnePool(1), nn, perplexity);
}

/** conditionalAffinities with the rows shared out over a pool's threads. */
export function conditionalAffinitiesOn(pool: TsnePool, nn: Neighbours, perplexity: number): Float64Array {
  const { n, k } = nn;
  const out = sharedArray(Float64Array, n * k);
  const failed = sharedArray(Uint8Array, n);
  pool.run({ kind: "affinities", n, k, distances: shared(nn.distances), target: Math.log(perplexity), out, failed });
  let count = 0;
  for (let i = 0; i < n; i++) count += failed[i]!;
  if (count > 0) warnOnce(`t-SNE: the perplexity search did not converge for ${count} of ${n} points (many duplicate points?)`);
  return out;
}

/** P = (P_cond + P_condᵀ) / sum, merged into one sparse symmetric matrix. */
export function symmetrize(nn: Neighbours, conditional: Float64Array): SparseAffinities {
  const { n, k } = nn;
  // Incoming edges per row: the transpose, by counting sort.
  const inStart = new Int32Array(n + 1);
  for (let t = 0; t < n * k; t++) inStart[nn.indices[t]! + 1]++;
  for (let i = 0; i < n; i++) inStart[i + 1]! += inStart[i]!;
  const inFrom = new Int32Array(n * k);
  const inValue = new Float64Array(n * k);
  const fill = Int32Array.from(inStart.subarray(0, n));
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < k; t++) {
      const j = nn.indices[i * k + t]!;
      const at = fill[j]!++;
      inFrom[at] = i;
      inValue[at] = conditional[i * k + t]!;
    }
  }
  const slot = new Int32Array(n).fill(-1);
  const rowStart = new Int32Array(n + 1);
  // Upper bound on entries: own k plus incoming; merged duplicates shrink it.
  const columns = new Int32Array(n * k + n * k);
  const values = new Float64Array(n * k + n * k);
  let at = 0;
  for (let i = 0; i < n; i++) {
    rowStart[i] = at;
    for (let t = 0; t < k; t++) {
      const j = nn.indices[i * k + t]!;
      slot[j] = at;
      columns[at] = j;
      values[at++] = conditional[i * k + t]!;
    }
    for (let s = inStart[i]!; s < inStart[i + 1]!; s++) {
      const j = inFrom[s]!;
      if (slot[j]! >= rowStart[i]!) values[slot[j]!]! += inValue[s]!;
      else {
        slot[j] = at;
        columns[at] = j;
        values[at++] = inValue[s]!;
      }
    }
  }
  rowStart[n] = at;
  let total = 0;
  for (let t = 0; t < at; t++) total += values[t]!;
  const out = sharedArray(Float32Array, at);
  for (let t = 0; t < at; t++) out[t] = values[t]! / total;
  return { n, rowStart: shared(rowStart), columns: shared(columns.subarray(0, at)), values: out };
}
