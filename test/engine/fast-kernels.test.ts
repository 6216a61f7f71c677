import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initEngine, installFastKernels, uninstallFastKernels, fastKernelStats } from "../../lib/engine";
import { compare, randn, withGrads } from "../helpers/kernel-reference";

const conv = (x: tf.Tensor, w: tf.Tensor): tf.Tensor => tf.conv3d(x as tf.Tensor5D, w as tf.Tensor5D, 1, "same");
const convStride2 = (x: tf.Tensor, w: tf.Tensor): tf.Tensor => tf.conv3d(x as tf.Tensor5D, w as tf.Tensor5D, 2, "valid");
const convTranspose = (x: tf.Tensor, w: tf.Tensor): tf.Tensor => {
  const [x5, w5] = [x as tf.Tensor5D, w as tf.Tensor5D];
  const [n, d, h, wd] = x5.shape;
  return tf.conv3dTranspose(x5, w5, [n, 2 * d, 2 * h, 2 * wd, w5.shape[3]], 2, "valid");
};

const CONV = ["Conv3D", "Conv3DBackpropInputV2", "Conv3DBackpropFilterV2"];
// The transposed convolution's gradient runs Conv3D (stride 2) and the filter gradient.
const TRANSPOSE = CONV;
const POOL = ["MaxPool3D", "MaxPool3DGrad"];

for (const backend of ["wasm", "cpu"] as const) {
  describe(`fast 3-D convolution and pooling kernels on ${backend}`, () => {
    before(async () => {
      await initEngine({ backend, quiet: true });
      installFastKernels(backend);
    });

    test("conv3d 3x3x3 same: odd sizes, 3 -> 10 channels (not a multiple of 8), forward and both gradients", async () => {
      await compare(backend, "conv3d 3^3", () => withGrads(conv, randn([2, 5, 6, 7, 3], 1), randn([3, 3, 3, 3, 10], 2), 3), CONV);
    });

    test("conv3d 3x3x3 same: 1 input channel (the stem) and 16 -> 16 channels", async () => {
      await compare(backend, "conv3d 1->8", () => withGrads(conv, randn([1, 6, 5, 9, 1], 4), randn([3, 3, 3, 1, 8], 5), 6), CONV);
      await compare(backend, "conv3d 16->16", () => withGrads(conv, randn([1, 4, 4, 8, 16], 7), randn([3, 3, 3, 16, 16], 8), 9), CONV);
    });

    test("conv3d 1x1x1: 9 -> 16 and 8 -> 1 channels (the logits layer)", async () => {
      await compare(backend, "conv3d 1^3 9->16", () => withGrads(conv, randn([2, 3, 4, 5, 9], 10), randn([1, 1, 1, 9, 16], 11), 12), CONV);
      await compare(backend, "conv3d 1^3 8->1", () => withGrads(conv, randn([1, 4, 4, 6, 8], 13), randn([1, 1, 1, 8, 1], 14), 15), CONV);
    });

    test("conv3d kernel 2 stride 2 valid (the transposed convolution's input gradient)", async () => {
      await compare(backend, "conv3d 2/2", () => withGrads(convStride2, randn([1, 4, 6, 10, 5], 16), randn([2, 2, 2, 5, 8], 17), 18), CONV);
    });

    test("conv3d transpose kernel 2 stride 2: forward and gradients (tfjs has no gradient of its own)", async () => {
      // Reference for the gradients: the same registered gradient on tfjs' own kernels.
      await compare(
        backend,
        "conv3dTranspose",
        () => withGrads(convTranspose, randn([2, 3, 2, 5, 8], 19), randn([2, 2, 2, 6, 8], 20), 21),
        TRANSPOSE,
      );
      await compare(
        backend,
        "conv3dTranspose 16->16",
        () => withGrads(convTranspose, randn([1, 2, 2, 4, 16], 22), randn([2, 2, 2, 16, 16], 23), 24),
        TRANSPOSE,
      );
    });

    test("conv3d transpose gradient agrees with a finite difference", () => {
      const x = randn([1, 2, 2, 2, 3], 25);
      const w = randn([2, 2, 2, 4, 3], 26);
      const r = randn([1, 4, 4, 4, 4], 27);
      const loss = (a: tf.Tensor, b: tf.Tensor): tf.Scalar => tf.tidy(() => convTranspose(a, b).mul(r).sum<tf.Scalar>());
      const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => loss(a, b))([x, w]);
      const wv = w.dataSync();
      const analytic = grads[1]!.dataSync();
      for (const i of [0, 17, 50, 95]) {
        const eps = 1e-2;
        const plus = Float32Array.from(wv);
        plus[i] = wv[i]! + eps;
        const minus = Float32Array.from(wv);
        minus[i] = wv[i]! - eps;
        const lp = tf.tidy(() => loss(x, tf.tensor(plus, w.shape)).arraySync());
        const lm = tf.tidy(() => loss(x, tf.tensor(minus, w.shape)).arraySync());
        const g = analytic[i]!;
        assert.ok(Math.abs((lp - lm) / (2 * eps) - g) < 1e-2 * Math.max(1, Math.abs(g)), `filter element ${i}`);
      }
      tf.dispose([x, w, r, ...grads]);
    });

    test("max-pool 2^3 forward and gradient, with ties (zeros after ReLU) and sizes that are not multiples of 2", async () => {
      const pool = (x: tf.Tensor): tf.Tensor => tf.maxPool3d(x as tf.Tensor5D, 2, 2, "valid");
      const withPoolGrad = (x: tf.Tensor, seed: number): tf.Tensor[] => {
        const r = randn(pool(x).shape, seed);
        return [pool(x), tf.grad((a: tf.Tensor) => pool(a).mul(r).sum())(x)];
      };
      await compare(backend, "maxPool3d", () => withPoolGrad(tf.relu(randn([2, 4, 6, 8, 8], 40)), 41), POOL);
      await compare(backend, "maxPool3d odd", () => withPoolGrad(randn([1, 5, 4, 7, 6], 42), 43), POOL);
      await compare(backend, "maxPool3d 1 channel", () => withPoolGrad(tf.relu(randn([1, 4, 4, 4, 1], 44)), 45), POOL);
    });

    test("Sum over every axis but the last (bias gradients), with and without keepDims; other sums fall back to tfjs", async () => {
      const x = randn([2, 3, 4, 5, 12], 60);
      await compare(
        backend,
        "sum leading axes",
        () => [tf.sum(x, [0, 1, 2, 3]), tf.sum(x, [3, 1, 0, 2], true), tf.sum(randn([7, 3], 61), 0)],
        ["Sum"],
      );
      tf.tidy(() => {
        assert.deepEqual(tf.sum(x, [0, 1, 2, 3], true).shape, [1, 1, 1, 1, 12]);
        assert.deepEqual(tf.sum(x, [0, 1, 2, 3]).shape, [12]);
      });
      const before = fastKernelStats().Sum?.fallback ?? 0;
      await compare(backend, "sum other axes", () => [tf.sum(x, [1, 2]), tf.sum(x)], []);
      assert.ok((fastKernelStats().Sum?.fallback ?? 0) >= before + 2, "sums over other axes should go to tfjs' kernel");
      x.dispose();
    });

    test("Identity (tf.clone, and every tensor saved for a gradient) keeps the values through either copy's disposal", () => {
      const before = tf.memory().numTensors;
      const x = randn([3, 4, 5], 50);
      const expected = x.dataSync().slice();
      const y = tf.clone(x);
      x.dispose();
      assert.deepEqual(y.dataSync(), expected);
      const z = tf.clone(y);
      y.dispose();
      assert.deepEqual(z.dataSync(), expected);
      z.dispose();
      assert.equal(tf.memory().numTensors, before);
      if (backend === "wasm") assert.ok((fastKernelStats().Identity?.fast ?? 0) > 0, "Identity did not run on the shared-buffer path");
    });

    test("a cast to the same dtype shares the buffer and keeps the values; a real cast converts", () => {
      const x = randn([2, 3, 4], 51);
      const expected = x.dataSync().slice();
      const y = tf.cast(x, "float32");
      x.dispose();
      assert.deepEqual(y.dataSync(), expected);
      const ints = tf.cast(tf.tensor1d([1.7, -2.2, 3]), "int32");
      assert.deepEqual(Array.from(ints.dataSync()), [1, -2, 3]);
      tf.dispose([y, ints]);
      if (backend === "wasm") assert.ok((fastKernelStats().Cast?.fast ?? 0) > 0, "Cast did not run on the shared-buffer path");
    });

    test("layers: Conv3D and Conv3DTranspose layers train through the fast kernels without leaking tensors", () => {
      const model = tf.sequential({
        layers: [
          tf.layers.conv3d({ inputShape: [4, 4, 4, 2], filters: 8, kernelSize: 3, padding: "same", useBias: false }),
          tf.layers.maxPooling3d({ poolSize: 2 }),
          tf.layers.conv3dTranspose({ filters: 8, kernelSize: 2, strides: 2 }),
          tf.layers.conv3d({ filters: 1, kernelSize: 1 }),
        ],
      });
      const x = randn([2, 4, 4, 4, 2], 30);
      const t = tf.tidy(() => randn([2, 4, 4, 4, 1], 31).greater(0).toFloat());
      const optimizer = tf.train.adam(1e-3);
      const step = (): void => {
        tf.tidy(() => {
          optimizer.minimize(() => tf.losses.sigmoidCrossEntropy<tf.Tensor, tf.Scalar>(t, model.apply(x) as tf.Tensor));
        });
      };
      step();
      const before = tf.memory().numTensors;
      step();
      step();
      assert.equal(tf.memory().numTensors, before);
      tf.dispose([x, t]);
      model.dispose();
      optimizer.dispose();
    });

    after(() => uninstallFastKernels(backend));
  });
}
