import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { Random } from "../../lib/core";
import { installFastKernels, uninstallFastKernels, fastKernelsInstalled, fastKernelStats } from "../../lib/engine";

/** Seeded normal values of `shape`. */
export function randn(shape: number[], seed: number): tf.Tensor {
  const rng = new Random(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => rng.normal()),
    shape,
  );
}

/** The values of the tensors `fn` returns, on the current backend; the tensors are disposed. */
export function values(fn: () => tf.Tensor[]): Float32Array[] {
  const outs = tf.tidy(fn);
  const vs = outs.map((t) => t.dataSync() as Float32Array);
  tf.dispose(outs);
  return vs;
}

/**
 * `fn`'s values with tfjs' reference kernels: the plain JavaScript cpu
 * backend with its own kernels (tfjs' wasm Conv3DBackpropInputV2 returns
 * zeros for part of the output when batch > 1, so it cannot serve as the
 * reference). Comes back to `backend` afterwards.
 */
export async function referenceValues(backend: string, fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend("cpu");
  const cpuFast = fastKernelsInstalled("cpu");
  uninstallFastKernels("cpu");
  try {
    return values(fn);
  } finally {
    if (cpuFast) installFastKernels("cpu");
    await tf.setBackend(backend);
  }
}

/** Runs `fn` with the fast kernels on `backend` and with tfjs' reference kernels. */
export async function fastAndReference(backend: string, fn: () => tf.Tensor[]): Promise<{ fast: Float32Array[]; ref: Float32Array[] }> {
  assert.ok(fastKernelsInstalled(backend));
  const fast = values(fn);
  return { fast, ref: await referenceValues(backend, fn) };
}

/** |a - b| <= 1e-4 * max|b| element by element (the scale of a sum of products). */
export function assertClose(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let scale = 0;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  assert.ok(scale > 0, `${what}: reference is all zeros, the comparison would prove nothing`);
  for (let i = 0; i < actual.length; i++) {
    const [a, e] = [actual[i]!, expected[i]!];
    if (!(Math.abs(a - e) <= 1e-4 * scale)) assert.fail(`${what}: element ${i} is ${a}, reference ${e} (scale ${scale})`);
  }
}

/** Compares fast and reference results, and checks that `kernels` really ran on the fast path. */
export async function compare(backend: string, what: string, fn: () => tf.Tensor[], kernels: string[]): Promise<void> {
  const before = fastKernelStats();
  const { fast, ref } = await fastAndReference(backend, fn);
  const after = fastKernelStats();
  for (const k of kernels) {
    assert.ok((after[k]?.fast ?? 0) > (before[k]?.fast ?? 0), `${what}: ${k} did not run on the fast path`);
  }
  assert.equal(fast.length, ref.length);
  fast.forEach((f, i) => assertClose(f, ref[i]!, `${what} [output ${i}]`));
}

/** Gradients of sum(f(x, w) * r) for a fixed random r, so every output element matters. */
export function withGrads(f: (x: tf.Tensor, w: tf.Tensor) => tf.Tensor, x: tf.Tensor, w: tf.Tensor, seed: number): tf.Tensor[] {
  const y = f(x, w);
  const r = randn(y.shape, seed);
  const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => f(a, b).mul(r).sum())([x, w]);
  return [y, ...g];
}
