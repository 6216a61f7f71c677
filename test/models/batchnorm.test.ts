import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initEngine } from "../../lib/engine";
import { BatchNorm } from "../../lib/models";
import { ConfigError } from "../../lib/core";
import { trainableVariables } from "../../lib/train";

before(async () => {
  await initEngine({ quiet: true });
});

function close(actual: ArrayLike<number>, expected: number[], tol = 1e-5): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tol, `[${i}] ${actual[i]} vs ${expected[i]}`);
  }
}

/** The model through tfjs' save and load, in memory. */
async function savedAndLoaded(model: tf.LayersModel): Promise<tf.LayersModel> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler((artifacts) => {
      saved = artifacts;
      return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } });
    }),
  );
  assert.ok(saved, "the save handler received the model");
  return tf.loadLayersModel(tf.io.fromMemory(saved));
}

test("training mode normalises with batch statistics and updates running ones like PyTorch", () => {
  const bn = new BatchNorm({ name: "bn", epsilon: 1e-5, momentum: 0.1 });
  // One channel, four values over a rank-5 tensor: mean 2.5, biased var 1.25, unbiased 5/3.
  const x = tf.tensor5d([1, 2, 3, 4], [1, 2, 2, 1, 1]);
  const y = bn.apply(x, { training: true }) as tf.Tensor;
  const s = Math.sqrt(1.25 + 1e-5);
  close(y.dataSync(), [-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s]);
  const [, , mean, variance] = bn.getWeights();
  close(mean!.dataSync(), [0.25]);
  close(variance!.dataSync(), [0.9 + 0.1 * (5 / 3)]);
  // Inference uses the running statistics.
  const z = bn.apply(x, { training: false }) as tf.Tensor;
  const sd = Math.sqrt(0.9 + 0.5 / 3 + 1e-5);
  close(
    z.dataSync(),
    [1, 2, 3, 4].map((v) => (v - 0.25) / sd),
  );
  tf.dispose([x, y, z]);
});

test("gradients flow through the batch statistics", () => {
  const bn = new BatchNorm({ name: "bn_grad" });
  const x = tf.tensor5d([1, 2, 3, 5], [4, 1, 1, 1, 1]);
  bn.apply(x, { training: true });
  const g = tf.grad((t: tf.Tensor) =>
    tf.sum(tf.mul(bn.apply(t, { training: true }) as tf.Tensor, tf.tensor1d([1, 0, 0, 0]).reshape([4, 1, 1, 1, 1]))),
  )(x);
  // d(x̂_0)/dx sums to zero over the batch: normalisation removes the mean.
  const v = Array.from(g.dataSync());
  assert.ok(Math.abs(v.reduce((a, b) => a + b, 0)) < 1e-5, String(v));
  assert.ok(v[0]! > 0);
  tf.dispose([x, g]);
});

test("the hand-written training gradient equals autodiff of the plain formula", () => {
  const bn = new BatchNorm({ name: "bn_ref" });
  const x = tf.randomNormal<tf.Rank.R5>([2, 3, 2, 2, 4], 0.5, 2, "float32", 9);
  bn.apply(x, { training: false });
  const [gamma, beta] = trainableVariables(bn);
  gamma!.assign(tf.tensor1d([1.5, -0.5, 2, 0.7]));
  beta!.assign(tf.tensor1d([0.1, 0, -0.3, 1]));
  const weight = tf.randomNormal([2, 3, 2, 2, 4], 0, 1, "float32", 10);
  const ourLoss = (t: tf.Tensor) => tf.sum<tf.Scalar>(tf.mul(bn.apply(t, { training: true }) as tf.Tensor, weight));
  const refLoss = (t: tf.Tensor) => {
    const { mean, variance } = tf.moments(t, [0, 1, 2, 3]);
    const y = tf.add(tf.mul(tf.div(tf.sub(t, mean), tf.sqrt(tf.add(variance, 1e-5))), gamma!), beta!);
    return tf.sum<tf.Scalar>(tf.mul(y, weight));
  };
  const vars = [gamma!, beta!];
  const a = [tf.grad(ourLoss)(x), ...Object.values(tf.variableGrads(() => ourLoss(x), vars).grads)];
  const r = [tf.grad(refLoss)(x), ...Object.values(tf.variableGrads(() => refLoss(x), vars).grads)];
  for (let i = 0; i < 3; i++) close(a[i]!.dataSync(), Array.from(r[i]!.dataSync()), 1e-4);
  tf.dispose([x, weight, ...a, ...r]);
});

test("a model with the layer survives save → load with its config and weights", async () => {
  const input = tf.input({ shape: [2, 2, 2, 3] });
  const out = new BatchNorm({ name: "norm", epsilon: 1e-3, momentum: 0.2 }).apply(input) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  model.setWeights([tf.tensor1d([1, 2, 3]), tf.tensor1d([0, 1, 0]), tf.tensor1d([0.5, 0, -1]), tf.tensor1d([2, 1, 4])]);
  const loaded = await savedAndLoaded(model);
  const layer = loaded.getLayer("norm");
  assert.ok(layer instanceof BatchNorm, "the layer loads as our class");
  assert.equal(layer.getClassName(), "WorkbenchBatchNorm");
  assert.equal(layer.epsilon, 1e-3);
  assert.equal(layer.momentum, 0.2);
  const x = tf.randomNormal([2, 2, 2, 2, 3], 0, 1, "float32", 5);
  const a = model.predict(x) as tf.Tensor;
  const b = loaded.predict(x) as tf.Tensor;
  close(b.dataSync(), Array.from(a.dataSync()), 0);
  tf.dispose([x, a, b]);
  model.dispose();
  loaded.dispose();
});

test("bad arguments name the layer and the value", () => {
  assert.throws(
    () => new BatchNorm({ name: "b1", epsilon: 0 }),
    (e: unknown) => e instanceof ConfigError && /BatchNorm b1: epsilon must be > 0; found 0/.test(e.message),
  );
  assert.throws(() => new BatchNorm({ name: "b2", momentum: 2 }), /momentum must be in \[0, 1\]; found 2/);
});

test("with relu the layer is batch-norm then ReLU, in training and inference, and keeps the option through save → load", async () => {
  const x = tf.randomNormal<tf.Rank.R5>([2, 3, 2, 2, 4], 0.5, 2, "float32", 11);
  const plain = new BatchNorm({ name: "plain" });
  const fused = new BatchNorm({ name: "fused", relu: true });
  for (const training of [true, false]) {
    const expected = tf.relu(plain.apply(x, { training }) as tf.Tensor);
    const actual = fused.apply(x, { training }) as tf.Tensor;
    close(actual.dataSync(), Array.from(expected.dataSync()), 1e-5);
    tf.dispose([expected, actual]);
  }
  // The running statistics moved the same way.
  close(fused.getWeights()[2]!.dataSync(), Array.from(plain.getWeights()[2]!.dataSync()), 1e-6);
  const input = tf.input({ shape: [3, 2, 2, 4] });
  const model = tf.model({ inputs: input, outputs: new BatchNorm({ name: "bnr", relu: true }).apply(input) as tf.SymbolicTensor });
  const loaded = await savedAndLoaded(model);
  const bnr = loaded.getLayer("bnr");
  assert.ok(bnr instanceof BatchNorm);
  assert.equal(bnr.relu, true);
  tf.dispose(x);
  model.dispose();
  loaded.dispose();
});
