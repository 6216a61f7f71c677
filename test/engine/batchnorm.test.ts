import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { Random } from "../../lib/core";
import {
  BATCHNORM_KERNEL_NAMES,
  batchNormTraining,
  channelAffine,
  initEngine,
  installFastKernels,
  uninstallFastKernels,
} from "../../lib/engine";

function randn(shape: number[], seed: number, mean = 0, std = 1): tf.Tensor {
  const rng = new Random(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => rng.normal(mean, std)),
    shape,
  );
}

/** y, batch mean and variance, and the gradients of sum(y · r) in x, γ and β. */
function forwardAndGradients(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, relu: boolean, seed: number): Float32Array[] {
  return tf.tidy(() => {
    const stats: Float32Array[] = [];
    const y = batchNormTraining(x, gamma, beta, 1e-5, relu, (mean, variance) =>
      stats.push(mean.dataSync() as Float32Array, variance.dataSync() as Float32Array),
    );
    const r = randn(y.shape, seed);
    const grads = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(batchNormTraining(a, g as tf.Tensor1D, b as tf.Tensor1D, 1e-5, relu), r)),
    )([x, gamma, beta]);
    return [y.dataSync() as Float32Array, ...stats, ...grads.map((t) => t.dataSync() as Float32Array)];
  });
}

/** |a − b| <= 1e-4 · max|b| element by element. */
function assertClose(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let scale = 0;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  assert.ok(scale > 0, `${what}: reference is all zeros`);
  for (let i = 0; i < actual.length; i++) {
    if (!(Math.abs(actual[i]! - expected[i]!) <= 1e-4 * scale))
      assert.fail(`${what}: element ${i} is ${actual[i]}, reference ${expected[i]}`);
  }
}

const OUTPUTS = ["y", "mean", "variance", "dx", "dgamma", "dbeta"];

for (const backend of ["wasm", "cpu"] as const) {
  describe(`batch-norm kernels on ${backend}`, () => {
    for (const { shape, relu, offset } of [
      // 10 channels: two SIMD lanes of 4 and a scalar rest; values far from 0 test the shifted sums.
      { shape: [2, 3, 4, 5, 10], relu: true, offset: 50 },
      { shape: [1, 4, 4, 4, 3], relu: false, offset: 0 },
      { shape: [3, 2, 2, 2, 32], relu: true, offset: -2 },
    ]) {
      test(`training forward and gradients agree with the tfjs-op formulas: [${shape.join(",")}], relu ${relu}`, async () => {
        await initEngine({ backend, quiet: true });
        installFastKernels(backend);
        const c = shape.at(-1)!;
        const x = randn(shape, 1, offset, 3);
        const gamma = randn([c], 2, 1, 0.5) as tf.Tensor1D;
        const beta = randn([c], 3) as tf.Tensor1D;
        const before = tf.memory().numTensors;
        const fast = forwardAndGradients(x, gamma, beta, relu, 4);
        assert.equal(tf.memory().numTensors, before, "tensors leaked");
        uninstallFastKernels(backend);
        for (const name of BATCHNORM_KERNEL_NAMES) assert.equal(tf.getKernel(name, backend), undefined);
        const reference = forwardAndGradients(x, gamma, beta, relu, 4);
        installFastKernels(backend);
        fast.forEach((f, i) => assertClose(f, reference[i]!, `${OUTPUTS[i]} [${shape.join(",")}]`));
        tf.dispose([x, gamma, beta]);
      });
    }

    test("inference: channelAffine is x·scale + shift, rectified on request", async () => {
      await initEngine({ backend, quiet: true });
      installFastKernels(backend);
      const x = tf.tensor2d([
        [-1, 2, 0.5, 3, -4],
        [1, -2, 1.5, -3, 4],
      ]);
      const scale = tf.tensor1d([2, 1, -1, 0.5, 1]);
      const shift = tf.tensor1d([0, 1, 0, -2, 0.5]);
      assert.deepEqual(Array.from(channelAffine(x, scale, shift, false).dataSync()), [-2, 3, -0.5, -0.5, -3.5, 2, -1, -1.5, -3.5, 4.5]);
      assert.deepEqual(Array.from(channelAffine(x, scale, shift, true).dataSync()), [0, 3, 0, 0, 0, 2, 0, 0, 0, 4.5]);
      tf.dispose([x, scale, shift]);
    });
  });
}
