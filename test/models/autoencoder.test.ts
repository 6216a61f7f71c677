import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initEngine } from "../../lib/engine";
import { countParameters, createAutoencoder, disposeAutoencoder } from "../../lib/models";
import { ConfigError } from "../../lib/core";

before(async () => {
  await initEngine({ quiet: true });
});

function disposeModel(m: tf.LayersModel): void {
  m.dispose();
}

test("parameter counts at base 32 equal the original PyTorch networks", () => {
  const a64 = createAutoencoder({ grid: 64 });
  assert.equal(countParameters(a64.model), 4_354_145);
  assert.deepEqual(a64.channels, [32, 64, 128, 256]);
  assert.equal(a64.numBlocks, 3);
  assert.equal(a64.patchSize, 8);
  disposeModel(a64.model);
  const a128 = createAutoencoder({ grid: 128 });
  assert.equal(countParameters(a128.model), 17_530_465);
  assert.deepEqual(a128.channels, [32, 64, 128, 256, 512]);
  assert.equal(a128.patchSize, 16);
  disposeModel(a128.model);
});

test("weights are named after the PyTorch state-dict keys, with PyTorch's shapes transposed", () => {
  const a = createAutoencoder({ grid: 64 });
  const shapes = new Map(a.model.weights.map((w) => [w.originalName, w.shape]));
  const expected: Array<[string, number[]]> = [
    ["incoming.block.double_conv.0/kernel", [3, 3, 3, 1, 32]],
    ["incoming.block.double_conv.1/gamma", [32]],
    ["incoming.block.double_conv.1/moving_variance", [32]],
    ["incoming.block.i_branch/kernel", [1, 1, 1, 1, 32]],
    ["encoders.2.maxpool_conv.1.block.double_conv.3/kernel", [3, 3, 3, 256, 256]],
    ["encoders.2.maxpool_conv.1.block.double_conv.4/moving_mean", [256]],
    ["decoders.0.up/kernel", [2, 2, 2, 256, 256]],
    ["decoders.0.up/bias", [256]],
    ["decoders.0.conv.block.double_conv.0/kernel", [1, 1, 1, 256, 128]],
    ["decoders.2.conv.block.i_branch/kernel", [1, 1, 1, 64, 32]],
    ["outconv.conv/kernel", [1, 1, 1, 32, 1]],
    ["outconv.conv/bias", [1]],
  ];
  for (const [name, shape] of expected) assert.deepEqual(shapes.get(name), shape, name);
  // 4 convs/BN pairs per block kind: nothing without a PyTorch counterpart.
  for (const name of shapes.keys()) {
    assert.match(name, /^(incoming\.block|encoders\.\d\.maxpool_conv\.1\.block|decoders\.\d\.(up|conv\.block)|outconv\.conv)[./]/, name);
  }
  disposeModel(a.model);
});

test("shapes: encoder gives an 8³ latent, the model gives logits like its input", () => {
  const a = createAutoencoder({ grid: 32, baseChannels: 4 });
  const x = tf.zeros([2, 32, 32, 32, 1]);
  const z = a.encoder.predict(x) as tf.Tensor;
  const y = a.model.predict(x) as tf.Tensor;
  assert.deepEqual(z.shape, [2, 8, 8, 8, 16]);
  assert.deepEqual(y.shape, [2, 32, 32, 32, 1]);
  tf.dispose([x, y, z]);
  disposeModel(a.model);
});

test("a grid that is not 8·2^k is refused with the grids that work", () => {
  assert.throws(
    () => createAutoencoder({ grid: 48 }),
    (e: unknown) => e instanceof ConfigError && /expected 8·2\^k .*found 48/.test(e.message),
  );
  assert.throws(() => createAutoencoder({ grid: 8 }), ConfigError);
});

test("the same seed gives the same weights, another seed other weights", () => {
  const sum = (seed: number) => {
    const a = createAutoencoder({ grid: 16, baseChannels: 2, seed });
    const v = a.model.getWeights().map((w) => w.dataSync()[0]!);
    disposeModel(a.model);
    return v;
  };
  assert.deepEqual(sum(7), sum(7));
  assert.notDeepEqual(sum(7), sum(8));
});

test("decoding one latent cell alone equals its patch of the full decoding", () => {
  const a = createAutoencoder({ grid: 32, baseChannels: 4, seed: 3 });
  // Non-trivial running statistics, so inference-mode batch-norm matters.
  const rng = tf.randomUniform;
  a.model.weights.forEach((w, i) => {
    if (w.originalName.endsWith("moving_mean")) w.write(rng(w.shape as number[], -0.5, 0.5, "float32", i));
    if (w.originalName.endsWith("moving_variance")) w.write(rng(w.shape as number[], 0.5, 2, "float32", i));
  });
  const p = a.patchSize;
  const before = tf.memory().numTensors;
  const x = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([2, 32, 32, 32, 1], 0, 1, "float32", 11), 0.8), "float32"));
  const z = a.encoder.predict(x) as tf.Tensor5D;
  const full = a.decoder.predict(z) as tf.Tensor5D;
  for (const [b, i, j, k] of [
    [0, 0, 0, 0],
    [1, 3, 7, 5],
    [0, 7, 7, 7],
  ] as const) {
    const cell = tf.slice(z, [b, i, j, k, 0], [1, 1, 1, 1, -1]);
    const alone = a.decoder.predict(cell) as tf.Tensor;
    const patch = tf.slice(full, [b, i * p, j * p, k * p, 0], [1, p, p, p, 1]);
    assert.deepEqual(alone.shape, [1, p, p, p, 1]);
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(alone, patch))).dataSync()[0]!);
    assert.ok(diff < 1e-5, `cell ${b},${i},${j},${k}: max difference ${diff}`);
    tf.dispose([cell, alone, patch]);
  }
  // The full model is the decoder applied to the encoder's latent.
  const direct = a.model.predict(x) as tf.Tensor;
  assert.ok(tf.tidy(() => tf.max(tf.abs(tf.sub(direct, full))).dataSync()[0]!) < 1e-5);
  tf.dispose([x, z, full, direct]);
  assert.equal(tf.memory().numTensors, before, "tensors leaked");
  disposeModel(a.model);
});

test("disposeAutoencoder frees every weight, the decoder's shared layers included", async () => {
  await initEngine({ quiet: true });
  const before = tf.memory().numTensors;
  const ae = createAutoencoder({ grid: 16, baseChannels: 2 });
  assert.ok(tf.memory().numTensors > before);
  disposeAutoencoder(ae);
  assert.equal(tf.memory().numTensors, before, "tensors leaked");
});
