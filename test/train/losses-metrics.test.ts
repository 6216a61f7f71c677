import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initEngine } from "../../lib/engine";
import {
  batchScores,
  confusionAtThresholds,
  oneCycleLr,
  overlapScores,
  scoresFromConfusion,
  sigmoidFocalLoss,
  THRESHOLDS,
} from "../../lib/train";

before(async () => {
  await initEngine({ quiet: true });
});

const near = (a: number, b: number, tol: number, what = "") => assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b}`);

test("focal loss matches PyTorch's formula at both presets' α, γ", () => {
  // Reference values from torch 1.13 (binary_cross_entropy_with_logits based formula of SPEC.md).
  const x = tf.tensor1d([-2, -0.5, 0, 0.3, 1.5, 4]);
  const t = tf.tensor1d([0, 1, 0, 1, 1, 0]);
  const a = sigmoidFocalLoss(x, t, { alpha: 0.65, gamma: 1 });
  const b = sigmoidFocalLoss(x, t, { alpha: 0.75, gamma: 2.2 });
  near(a.dataSync()[0]!, 0.346498068611461, 1e-6, "α .65 γ 1");
  near(b.dataSync()[0]!, 0.22128735161626734, 1e-6, "α .75 γ 2.2");
  // Large logits stay finite (stable BCE).
  const c = sigmoidFocalLoss(tf.tensor1d([-100, 100]), tf.tensor1d([1, 0]), { alpha: 0.5, gamma: 0 });
  near(c.dataSync()[0]!, 50, 1e-3, "saturated");
  tf.dispose([x, t, a, b, c]);
});

test("F1 and IoU from counts, including the empty case", () => {
  assert.deepEqual(scoresFromConfusion({ tp: 3, fp: 1, fn: 2 }), { f1: 6 / 9, iou: 3 / 6 });
  assert.deepEqual(scoresFromConfusion({ tp: 0, fp: 0, fn: 0 }), { f1: 1, iou: 1 });
  assert.deepEqual(scoresFromConfusion({ tp: 0, fp: 2, fn: 0 }), { f1: 0, iou: 0 });
});

test("batch scores threshold sigmoid(logit) and count over all voxels", () => {
  const logits = tf.tensor1d([-3, -0.1, 0.1, 3, 0.5, -2]); // p ≈ .05 .475 .525 .95 .62 .12
  const truth = tf.tensor1d([0, 1, 1, 1, 0, 0]);
  const before = tf.memory().numTensors;
  const [at50, at60] = confusionAtThresholds(logits, truth, [0.5, 0.6]);
  assert.deepEqual(at50, { tp: 2, fp: 1, fn: 1 });
  assert.deepEqual(at60, { tp: 1, fp: 1, fn: 2 });
  assert.deepEqual(batchScores(logits, truth), { f1: 4 / 6, iou: 2 / 4 });
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([logits, truth]);
});

test("overlap scores of a plain volume count true/false positives exactly, as batchScores does", () => {
  const truth = [1, 1, 0, 0, 1];
  const pred = [0.9, 0.2, 0.7, 0.1, 0.6];
  // tp 2, fp 1, fn 1
  assert.deepEqual(overlapScores(pred, truth, 0.5), { f1: 4 / 6, iou: 2 / 4 });
  assert.deepEqual(overlapScores(pred, truth, 0.65), scoresFromConfusion({ tp: 1, fp: 1, fn: 2 }));
  assert.deepEqual(overlapScores([0, 0], [0, 0]), { f1: 1, iou: 1 }, "two empty volumes agree");
  const logits = tf.tensor1d([-3, -0.1, 0.1, 3, 0.5, -2]);
  const t = tf.tensor1d([0, 1, 1, 1, 0, 0]);
  const p = tf.sigmoid(logits);
  assert.deepEqual(overlapScores(p.dataSync(), t.dataSync(), 0.6), batchScores(logits, t, 0.6));
  assert.throws(() => overlapScores([0.9], [1, 0]), /overlapScores: expected as many predicted voxels as true ones; found 1 and 2/);
  tf.dispose([logits, t, p]);
});

test("the threshold grid is 0.10, 0.15, …, 0.95", () => {
  assert.equal(THRESHOLDS.length, 18);
  assert.equal(THRESHOLDS[0], 0.1);
  assert.equal(THRESHOLDS[9], 0.55);
  assert.equal(THRESHOLDS[17], 0.95);
});

test("one-cycle learning rates equal torch's OneCycleLR (cos, pct 0.05, div 25, final 1e4)", () => {
  // torch.optim.lr_scheduler.OneCycleLR(max_lr=3e-3, total_steps=100, ...), lr before each step.
  const expected: Array<[number, number]> = [
    [0, 0.00011999999999999988],
    [1, 0.0005417662350913717],
    [2, 0.00156],
    [3, 0.0025782337649086283],
    [4, 0.003],
    [5, 0.0029991798892918453],
    [6, 0.0029967204539463987],
    [50, 0.0015743813345073052],
    [98, 8.32110708154972e-7],
    [99, 1.2e-8],
  ];
  for (const [i, lr] of expected) near(oneCycleLr(i, 100, 3e-3), lr, 1e-15, `iteration ${i}`);
  assert.throws(() => oneCycleLr(100, 100, 3e-3), /iteration must be in \[0, 100\); found 100/);
});
