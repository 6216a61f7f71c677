import { ConfigError, warnOnce, withDefaults } from "../core";
import { type Matrix, type MatrixLike, toMatrix } from "./matrix";

export interface LogisticRegressionOptions {
  /** Inverse L2 strength, as sklearn's C (default 1): the loss summed over points is weighed against ½‖W‖². */
  c?: number;
  /** L-BFGS iterations at most (default 1000). */
  maxIterations?: number;
  /** Stop when no gradient component of the mean loss exceeds this (default 1e-7). */
  tolerance?: number;
}

/**
 * A fitted multinomial logistic regression. With two classes it is the
 * binary model (one weight vector for class 1 against class 0), as sklearn
 * fits it; with more, one weight vector and intercept per class.
 */
export interface LogisticModel {
  classCount: number;
  dim: number;
  /** Score vectors × dim, row-major: classCount rows, or 1 row (class 1) for two classes. */
  weights: Float64Array;
  intercepts: Float64Array;
  iterations: number;
  converged: boolean;
  /** The minimised objective: mean cross-entropy + ‖W‖² / (2 C n). */
  loss: number;
}

const DEFAULTS = { c: 1, maxIterations: 1000, tolerance: 1e-7 };
const HISTORY = 10;

/** Rows of scores (class logits) for a flat parameter vector [W (m × d), b (m)]. */
function logits(theta: Float64Array, x: Matrix, i: number, m: number, binary: boolean, out: Float64Array): void {
  const d = x.cols;
  const off = i * d;
  for (let j = 0; j < m; j++) {
    let s = theta[m * d + j]!;
    const w = j * d;
    for (let t = 0; t < d; t++) s += theta[w + t]! * x.data[off + t]!;
    out[binary ? j + 1 : j] = s;
  }
  if (binary) out[0] = 0;
}

/**
 * The objective sklearn's LogisticRegression(penalty="l2", C) minimises,
 * divided by C·n (the same minimiser, gradients of order one), and its gradient.
 */
function objective(theta: Float64Array, grad: Float64Array, x: Matrix, codes: Int32Array, classCount: number, c: number): number {
  const { rows: n, cols: d } = x;
  const binary = classCount === 2;
  const m = binary ? 1 : classCount;
  const z = new Float64Array(classCount);
  grad.fill(0);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    logits(theta, x, i, m, binary, z);
    let max = -Infinity;
    for (let k = 0; k < classCount; k++) if (z[k]! > max) max = z[k]!;
    let sum = 0;
    for (let k = 0; k < classCount; k++) {
      z[k] = Math.exp(z[k]! - max);
      sum += z[k]!;
    }
    const y = codes[i]!;
    loss += Math.log(sum) - Math.log(z[y]!);
    const off = i * d;
    for (let j = 0; j < m; j++) {
      const k = binary ? j + 1 : j;
      const r = z[k]! / sum - (k === y ? 1 : 0);
      if (r === 0) continue;
      const w = j * d;
      for (let t = 0; t < d; t++) grad[w + t]! += r * x.data[off + t]!;
      grad[m * d + j]! += r;
    }
  }
  let penalty = 0;
  for (let p = 0; p < m * d; p++) penalty += theta[p]! * theta[p]!;
  for (let p = 0; p < grad.length; p++) grad[p] = grad[p]! / n;
  const lambda = 1 / (c * n);
  for (let p = 0; p < m * d; p++) grad[p]! += lambda * theta[p]!;
  return loss / n + 0.5 * lambda * penalty;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * Fits a multinomial logistic regression with an L2 penalty on the weights
 * (not the intercepts), as sklearn's LogisticRegression with its default
 * lbfgs solver: L-BFGS from zero with a backtracking (Armijo) line search.
 * Plain arithmetic in a fixed order, so the same data give the same model
 * bit for bit. `codes` are class numbers 0..classCount-1.
 */
export function fitLogisticRegression(
  x: MatrixLike,
  codes: ArrayLike<number>,
  classCount: number,
  options: LogisticRegressionOptions = {},
): LogisticModel {
  const m0 = toMatrix(x, "logistic regression");
  const o = withDefaults(DEFAULTS, options);
  const n = m0.rows;
  const d = m0.cols;
  if (codes.length !== n) throw new ConfigError(`logistic regression: ${codes.length} labels for ${n} points`);
  if (!Number.isInteger(classCount) || classCount < 2)
    throw new ConfigError(`logistic regression: needs at least 2 classes, found ${classCount}`);
  if (!(o.c > 0)) throw new ConfigError(`logistic regression: C must be > 0, found ${o.c}`);
  const y = Int32Array.from(codes);
  for (const v of y)
    if (!(v >= 0 && v < classCount)) throw new ConfigError(`logistic regression: class code ${v} outside 0..${classCount - 1}`);
  const m = classCount === 2 ? 1 : classCount;
  const size = m * d + m;
  let theta = new Float64Array(size);
  let grad = new Float64Array(size);
  let f = objective(theta, grad, m0, y, classCount, o.c);
  const sHist: Float64Array[] = [];
  const yHist: Float64Array[] = [];
  const rho: number[] = [];
  const alpha = new Float64Array(HISTORY);
  const dir = new Float64Array(size);
  let nextTheta = new Float64Array(size);
  let nextGrad = new Float64Array(size);
  let iterations = 0;
  let converged = false;
  const gradMax = (g: Float64Array): number => g.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
  while (iterations < o.maxIterations) {
    if (gradMax(grad) <= o.tolerance) {
      converged = true;
      break;
    }
    // Two-loop recursion: dir = −H·grad with the stored curvature pairs.
    dir.set(grad);
    for (let h = sHist.length - 1; h >= 0; h--) {
      alpha[h] = rho[h]! * dot(sHist[h]!, dir);
      const yh = yHist[h]!;
      for (let p = 0; p < size; p++) dir[p] -= alpha[h]! * yh[p]!;
    }
    const gamma =
      sHist.length > 0
        ? dot(sHist.at(-1)!, yHist.at(-1)!) / dot(yHist.at(-1)!, yHist.at(-1)!)
        : 1 / Math.max(1, Math.sqrt(dot(grad, grad)));
    for (let p = 0; p < size; p++) dir[p] *= gamma;
    for (let h = 0; h < sHist.length; h++) {
      const beta = rho[h]! * dot(yHist[h]!, dir);
      const sh = sHist[h]!;
      for (let p = 0; p < size; p++) dir[p]! += sh[p]! * (alpha[h]! - beta);
    }
    for (let p = 0; p < size; p++) dir[p] = -dir[p]!;
    let slope = dot(grad, dir);
    if (!(slope < 0)) {
      // Rounding spoilt the quasi-Newton direction: start again from steepest descent.
      sHist.length = yHist.length = rho.length = 0;
      for (let p = 0; p < size; p++) dir[p] = -grad[p]!;
      slope = dot(grad, dir);
    }
    let step = 1;
    let fNext = Infinity;
    for (let tries = 0; tries < 60; tries++) {
      for (let p = 0; p < size; p++) nextTheta[p] = theta[p]! + step * dir[p]!;
      fNext = objective(nextTheta, nextGrad, m0, y, classCount, o.c);
      if (fNext <= f + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    iterations++;
    if (!(fNext <= f)) break;
    const s = new Float64Array(size);
    const yy = new Float64Array(size);
    for (let p = 0; p < size; p++) {
      s[p] = nextTheta[p]! - theta[p]!;
      yy[p] = nextGrad[p]! - grad[p]!;
    }
    const sy = dot(s, yy);
    if (sy > 1e-16 * dot(yy, yy)) {
      if (sHist.length === HISTORY) {
        sHist.shift();
        yHist.shift();
        rho.shift();
      }
      sHist.push(s);
      yHist.push(yy);
      rho.push(1 / sy);
    }
    [theta, nextTheta] = [nextTheta, theta];
    [grad, nextGrad] = [nextGrad, grad];
    const change = f - fNext;
    f = fNext;
    // No progress left at float64 precision.
    if (change <= 1e-15 * Math.max(1, Math.abs(f))) break;
  }
  converged ||= gradMax(grad) <= o.tolerance;
  if (!converged)
    warnOnce(
      `logistic regression: L-BFGS stopped after ${iterations} iterations with a gradient of ${gradMax(grad).toExponential(2)} (tolerance ${o.tolerance}); the probe accuracy may be slightly off`,
    );
  return { classCount, dim: d, weights: theta.slice(0, m * d), intercepts: theta.slice(m * d), iterations, converged, loss: f };
}

/** Class probabilities, rows × classCount. */
export function logisticProbabilities(model: LogisticModel, x: MatrixLike): Float64Array {
  const m0 = toMatrix(x, "logistic probabilities");
  if (m0.cols !== model.dim) throw new ConfigError(`logistic probabilities: the model takes ${model.dim} features, found ${m0.cols}`);
  const K = model.classCount;
  const binary = K === 2;
  const m = binary ? 1 : K;
  const theta = new Float64Array(m * model.dim + m);
  theta.set(model.weights);
  theta.set(model.intercepts, m * model.dim);
  const out = new Float64Array(m0.rows * K);
  const z = new Float64Array(K);
  for (let i = 0; i < m0.rows; i++) {
    logits(theta, m0, i, m, binary, z);
    const max = Math.max(...z);
    let sum = 0;
    for (let k = 0; k < K; k++) sum += z[k] = Math.exp(z[k]! - max);
    for (let k = 0; k < K; k++) out[i * K + k] = z[k]! / sum;
  }
  return out;
}

/** The most probable class of each row (ties to the smaller class code). */
export function logisticClassify(model: LogisticModel, x: MatrixLike): Int32Array {
  const p = logisticProbabilities(model, x);
  const K = model.classCount;
  const rows = p.length / K;
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    let best = 0;
    for (let k = 1; k < K; k++) if (p[i * K + k]! > p[i * K + best]!) best = k;
    out[i] = best;
  }
  return out;
}
