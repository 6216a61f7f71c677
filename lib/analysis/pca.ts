import { ConfigError, random } from "../core";
import { type Matrix, type MatrixLike, toMatrix } from "./matrix";

export interface PcaOptions {
  /** Seed of the random start of the subspace iteration (default 42). */
  seed?: number;
  /** Subspace iterations (default 20); each costs two passes over the data. */
  iterations?: number;
}

export interface PcaResult {
  /** The points in the principal axes, rows × nComponents. */
  scores: Matrix;
  /** Principal axes, nComponents × cols (unit rows). */
  components: Matrix;
  /** Variance along each axis (sample variance, n − 1). */
  explainedVariance: Float64Array;
  mean: Float64Array;
}

/** Eigen-decomposition of a small symmetric matrix (cyclic Jacobi); eigenvalues descending. */
function symmetricEigen(a: Float64Array, r: number): { values: Float64Array; vectors: Float64Array } {
  const A = Float64Array.from(a);
  const V = new Float64Array(r * r);
  for (let i = 0; i < r; i++) V[i * r + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < r; p++) for (let q = p + 1; q < r; q++) off += A[p * r + q]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < r; p++) {
      for (let q = p + 1; q < r; q++) {
        const apq = A[p * r + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (A[q * r + q]! - A[p * r + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < r; k++) {
          const akp = A[k * r + p]!;
          const akq = A[k * r + q]!;
          A[k * r + p] = c * akp - s * akq;
          A[k * r + q] = s * akp + c * akq;
        }
        for (let k = 0; k < r; k++) {
          const apk = A[p * r + k]!;
          const aqk = A[q * r + k]!;
          A[p * r + k] = c * apk - s * aqk;
          A[q * r + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < r; k++) {
          const vkp = V[k * r + p]!;
          const vkq = V[k * r + q]!;
          V[k * r + p] = c * vkp - s * vkq;
          V[k * r + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: r }, (_, i) => i).sort((i, j) => A[j * r + j]! - A[i * r + i]!);
  const values = new Float64Array(r);
  const vectors = new Float64Array(r * r);
  order.forEach((src, dst) => {
    values[dst] = A[src * r + src]!;
    for (let k = 0; k < r; k++) vectors[k * r + dst] = V[k * r + src]!;
  });
  return { values, vectors };
}

/** Orthonormalises the r rows of q (r × cols, row-major) in place (modified Gram-Schmidt). */
function orthonormalizeRows(q: Float64Array, r: number, cols: number): void {
  for (let j = 0; j < r; j++) {
    const pj = j * cols;
    for (let k = 0; k < j; k++) {
      const pk = k * cols;
      let dot = 0;
      for (let i = 0; i < cols; i++) dot += q[pj + i]! * q[pk + i]!;
      for (let i = 0; i < cols; i++) q[pj + i] -= dot * q[pk + i]!;
    }
    let norm = 0;
    for (let i = 0; i < cols; i++) norm += q[pj + i]! ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < cols; i++) q[pj + i] /= norm;
  }
}

/**
 * XQ_i = (x_i − mean) Q for every row (Q is r × d), and, when `back` is
 * given, back += Σ_i XQ_iᵀ (x_i − mean) in the same pass over the data.
 */
function projectRows(
  data: ArrayLike<number>,
  mean: Float64Array,
  Q: Float64Array,
  XQ: Float64Array,
  n: number,
  d: number,
  r: number,
  back?: Float64Array,
): void {
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0, p = i * d; j < d; j++) row[j] = data[p + j]! - mean[j]!;
    for (let c = 0; c < r; c++) {
      // Four running sums, so the additions do not wait on each other.
      const q = c * d;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let j = 0;
      for (; j + 3 < d; j += 4) {
        s0 += row[j]! * Q[q + j]!;
        s1 += row[j + 1]! * Q[q + j + 1]!;
        s2 += row[j + 2]! * Q[q + j + 2]!;
        s3 += row[j + 3]! * Q[q + j + 3]!;
      }
      for (; j < d; j++) s0 += row[j]! * Q[q + j]!;
      XQ[i * r + c] = s0 + s1 + (s2 + s3);
    }
    if (back) {
      for (let c = 0; c < r; c++) {
        const v = XQ[i * r + c]!;
        for (let j = 0, q = c * d; j < d; j++) back[q + j]! += v * row[j]!;
      }
    }
  }
}

/**
 * Principal components by randomized subspace iteration: a few passes over
 * the data instead of a d × d covariance, so 41k × 512 takes seconds. Each
 * axis is signed so its largest coefficient is positive, for stable figures.
 */
export function pca(x: MatrixLike, nComponents: number, options: PcaOptions = {}): PcaResult {
  const m = toMatrix(x, "pca");
  const { rows: n, cols: d } = m;
  if (!Number.isInteger(nComponents) || nComponents < 1 || nComponents > Math.min(n, d)) {
    throw new ConfigError(`pca: nComponents must be an integer in 1..${Math.min(n, d)}, found ${nComponents}`);
  }
  const r = Math.min(d, n, nComponents + 8);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += m.data[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j] /= n;
  const rng = random(options.seed ?? 42);
  // The subspace basis is stored one axis per row (r × d), so every inner loop runs along a data row.
  const Q = new Float64Array(r * d);
  for (let t = 0; t < d * r; t++) Q[(t % r) * d + Math.floor(t / r)] = rng.normal();
  orthonormalizeRows(Q, r, d);
  const XQ = new Float64Array(n * r);
  const iterations = options.iterations ?? 20;
  const next = new Float64Array(r * d);
  for (let it = 0; it < iterations; it++) {
    // Q ← (X − mean)ᵀ (X − mean) Q, one pass over the rows.
    next.fill(0);
    projectRows(m.data, mean, Q, XQ, n, d, r, next);
    Q.set(next);
    orthonormalizeRows(Q, r, d);
  }
  projectRows(m.data, mean, Q, XQ, n, d, r);
  // Rayleigh-Ritz: the covariance restricted to span(Q).
  const B = new Float64Array(r * r);
  for (let i = 0; i < n; i++) for (let a = 0; a < r; a++) for (let b = a; b < r; b++) B[a * r + b]! += XQ[i * r + a]! * XQ[i * r + b]!;
  for (let a = 0; a < r; a++) for (let b = 0; b < a; b++) B[a * r + b] = B[b * r + a]!;
  const { values, vectors } = symmetricEigen(B, r);
  const k = nComponents;
  const components = new Float64Array(k * d);
  for (let c = 0; c < k; c++) {
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let t = 0; t < r; t++) s += Q[t * d + j]! * vectors[t * r + c]!;
      components[c * d + j] = s;
    }
    let big = 0;
    for (let j = 0; j < d; j++) if (Math.abs(components[c * d + j]!) > Math.abs(big)) big = components[c * d + j]!;
    if (big < 0) for (let j = 0; j < d; j++) components[c * d + j] = -components[c * d + j]!;
  }
  const scores = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (m.data[i * d + j]! - mean[j]!) * components[c * d + j]!;
      scores[i * k + c] = s;
    }
  }
  const explainedVariance = Float64Array.from(values.subarray(0, k), (v) => v / Math.max(1, n - 1));
  return { scores: { rows: n, cols: k, data: scores }, components: { rows: k, cols: d, data: components }, explainedVariance, mean };
}
