import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initEngine } from "../../lib/engine";
import { BatchNorm, countParameters, createVgg3d, vgg3dFeatures } from "../../lib/models";

before(async () => {
  await initEngine({ quiet: true });
});

test("features: PyTorch Sequential indices as names, 80³ → 5³ × 192, pooled to 192", () => {
  const net = createVgg3d({ classifier: false });
  assert.equal(net.classifier, null);
  // convs (with bias) + batch-norm gamma/beta of blocks (4, 2, 2, 2) × (24, 48, 96, 192).
  assert.equal(countParameters(net.features), 2_009_160);
  const names = net.features.layers.map((l) => l.name);
  // features.2 (the ReLU) is fused into the batch-norm layer features.1.
  assert.deepEqual(names.slice(1, 5), ["features.0", "features.1", "features.3", "features.4"]);
  const bn = net.features.getLayer("features.1");
  assert.ok(bn instanceof BatchNorm);
  assert.equal(bn.relu, true);
  assert.equal(net.features.getLayer("features.12").getClassName(), "MaxPooling3D");
  assert.equal(net.features.getLayer("features.31").getClassName(), "WorkbenchBatchNorm");
  assert.equal(names.at(-1), "features.33");
  // Running 80³ on the CPU takes minutes, so the shape is checked symbolically.
  assert.deepEqual(net.features.outputs[0]!.shape, [null, 5, 5, 5, 192]);
  net.features.dispose();
});

test("vgg3dFeatures is the global average over the last feature map", () => {
  const input = tf.input({ shape: [2, 2, 2, 3] });
  const identity = tf.model({ inputs: input, outputs: tf.layers.activation({ activation: "linear" }).apply(input) as tf.SymbolicTensor });
  const x = tf.tensor5d(
    Array.from({ length: 24 }, (_, i) => i),
    [1, 2, 2, 2, 3],
  );
  const f = vgg3dFeatures({ features: identity, classifier: null }, x);
  assert.deepEqual(Array.from(f.dataSync()), [10.5, 11.5, 12.5]);
  tf.dispose([x, f]);
});

test("classifier head holds the pretrained shapes in PyTorch's flatten order", () => {
  const net = createVgg3d();
  const c = net.classifier!;
  const shapes = Object.fromEntries(c.weights.map((w) => [w.originalName, w.shape]));
  assert.deepEqual(shapes, {
    "classifier.0/kernel": [24000, 4096],
    "classifier.0/bias": [4096],
    "classifier.3/kernel": [4096, 4096],
    "classifier.3/bias": [4096],
    "classifier.6/kernel": [4096, 7],
    "classifier.6/bias": [7],
  });
  // Channels-first flatten: the feature at (channel 1, 0, 0, 0) is flat index 125.
  const probe = tf.buffer([1, 5, 5, 5, 192]);
  probe.set(1, 0, 0, 0, 0, 1);
  const flat = tf.model({ inputs: c.inputs, outputs: c.getLayer("flatten").output });
  const v = (flat.predict(probe.toTensor()) as tf.Tensor).dataSync();
  assert.equal(v.indexOf(1), 125);
  net.features.dispose();
  c.dispose();
});
