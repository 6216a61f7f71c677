import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initEngine } from "../../lib/engine";
import { createAutoencoder } from "../../lib/models";
import { bestThreshold, predictProbabilities, probabilityHistogram, scoreCurves, scoresByThreshold, THRESHOLDS } from "../../lib/train";
import { toyNeuron, toySource } from "./toy-neurons";

before(async () => {
  await initEngine({ quiet: true });
});

test("probabilities of one neuron are the sigmoid of the model's logits, x-major", () => {
  const a = createAutoencoder({ grid: 16, baseChannels: 2, seed: 3 });
  const grid = toyNeuron(16, 5);
  const before = tf.memory().numTensors;
  const p = predictProbabilities(a, grid);
  assert.equal(tf.memory().numTensors, before);
  const logits = tf.tidy(() => (a.model.predict(tf.tensor5d(Float32Array.from(grid), [1, 16, 16, 16, 1])) as tf.Tensor).dataSync());
  assert.equal(p.length, 4096);
  for (const i of [0, 100, 2049, 4095]) assert.ok(Math.abs(p[i]! - 1 / (1 + Math.exp(-logits[i]!))) < 1e-6);
  assert.throws(() => predictProbabilities(a, new Uint8Array(10)), /expected a 16³ grid \(4096 values\); found 10/);
  a.model.dispose();
});

test("scores by threshold, the best threshold and curves for both splits", async () => {
  const a = createAutoencoder({ grid: 16, baseChannels: 2, seed: 3 });
  const source = toySource(16, 3, 2);
  const train = await scoresByThreshold(a, source, "train", { batchSize: 2 });
  const val = await scoresByThreshold(a, source, "val", { batchSize: 2 });
  assert.deepEqual(train.thresholds, [...THRESHOLDS]);
  assert.equal(train.neurons, 3);
  for (const v of [...train.f1, ...val.iou]) assert.ok(v >= 0 && v <= 1);
  // IoU never exceeds F1, and F1 = 2·IoU/(1+IoU) holds batch by batch, so only inequality survives averaging.
  train.f1.forEach((f, i) => assert.ok(train.iou[i]! <= f + 1e-12));
  const best = bestThreshold(val);
  const i = val.thresholds.indexOf(best.threshold);
  assert.equal(best.f1, Math.max(...val.f1));
  assert.equal(val.f1.indexOf(best.f1), i);
  const curves = scoreCurves(train, val);
  assert.equal(curves.metric, "F1");
  assert.deepEqual(curves.validation, val.f1);
  a.model.dispose();
});

test("best threshold: ties go to the lower threshold", () => {
  const s = { thresholds: [0.1, 0.2, 0.3], f1: [0.5, 0.8, 0.8], iou: [0.3, 0.6, 0.7], neurons: 1 };
  assert.deepEqual(bestThreshold(s), { threshold: 0.2, f1: 0.8, iou: 0.6 });
  assert.equal(bestThreshold(s, "iou").threshold, 0.3);
});

test("histogram counts probabilities above the floor in equal bins, 1.0 in the last", () => {
  const h = probabilityHistogram([0.1, 0.4, 0.41, 0.55, 0.7, 0.99, 1], { floor: 0.4, bins: 3 });
  assert.deepEqual(h.counts, [2, 1, 2]);
  assert.equal(h.edges.length, 4);
  assert.ok(Math.abs(h.edges[1]! - 0.6) < 1e-12);
});
