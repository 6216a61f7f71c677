import { test } from "node:test";
import * as assert from "node:assert/strict";
import { knnAccuracy } from "../../lib/analysis";
import { random, resetWarnings, warningCounts } from "../../lib/core";
import { guessLabelKind, labelTask, majorityScores, scoreFeatures, type FeatureSet } from "../../lib/evaluation";

const OPTIONS = { k: 5, c: 1 };

function features(rows: number[][], standardize = false): FeatureSet {
  const cols = rows[0]!.length;
  return {
    name: "x",
    kind: "embedding",
    description: "",
    columns: rows[0]!.map((_, j) => `f${j}`),
    x: { rows: rows.length, cols, data: Float64Array.from(rows.flat()) },
    standardize,
  };
}

/** n labels over `classes`, in proportion to `weights`, in a seeded random order. */
function labels(n: number, classes: string[], weights: number[], seed: number): string[] {
  const out: string[] = [];
  const total = weights.reduce((a, b) => a + b, 0);
  classes.forEach((c, i) => {
    for (let t = 0; t < Math.round((n * weights[i]!) / total); t++) out.push(c);
  });
  return random(seed).shuffle(out);
}

const FAMILIES = ["axon", "motoneuron", "purkinje", "interneuron"];

test("an embedding equal to the one-hot labels scores 1.0 with k-NN and with the linear probe", () => {
  const y = labels(80, FAMILIES, [4, 2, 1, 1], 1);
  const oneHot = y.map((v) => FAMILIES.map((f) => (f === v ? 1 : 0)));
  const task = labelTask("family", y, { folds: 5, seed: 42 });
  for (const standardize of [false, true]) {
    const s = scoreFeatures(features(oneHot, standardize), task, OPTIONS);
    assert.equal(s.knn!.mean, 1);
    assert.equal(s.probe!.mean, 1);
    assert.deepEqual(s.knn!.folds, [1, 1, 1, 1, 1]);
  }
});

test("random features score near chance for k-NN and the probe, over seeds", () => {
  const y = labels(200, FAMILIES, [1, 1, 1, 1], 2);
  const task = labelTask("family", y, { folds: 5, seed: 42 });
  const knn: number[] = [];
  const probe: number[] = [];
  for (let seed = 1; seed <= 5; seed++) {
    const rng = random(seed);
    const s = scoreFeatures(features(y.map(() => Array.from({ length: 8 }, () => rng.normal()))), task, OPTIONS);
    knn.push(s.knn!.mean);
    probe.push(s.probe!.mean);
  }
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  // Four balanced classes: chance is 0.25; five seeds of 200 neurons put the mean within a few points of it.
  assert.ok(Math.abs(mean(knn) - 0.25) < 0.05, `k-NN ${knn.join(",")}`);
  assert.ok(Math.abs(mean(probe) - 0.25) < 0.05, `probe ${probe.join(",")}`);
});

test("the majority rate is exact: the share of the largest class", () => {
  const y = labels(100, ["a", "b", "c"], [50, 30, 20], 3);
  const task = labelTask("class", y, { folds: 5, seed: 1 });
  assert.equal(task.majority, 0.5);
  const m = majorityScores(task);
  assert.equal(m.knn!.mean, 0.5);
  assert.equal(m.probe!.mean, 0.5);
});

test("k-NN without standardising gives knnAccuracy's numbers on the same folds", () => {
  const y = labels(90, ["L2/3", "L4", "L5"], [3, 2, 2], 4);
  const rng = random(5);
  const rows = y.map((v) => [rng.normal() + (v === "L4" ? 1 : 0), rng.normal() * 3, rng.normal() + (v === "L5" ? 1.5 : 0)]);
  const s = scoreFeatures(features(rows), labelTask("layer", y, { folds: 5, seed: 11 }), OPTIONS);
  const direct = knnAccuracy(rows, y, { k: 5, folds: 5, seed: 11 });
  assert.deepEqual(s.knn!.folds, direct.foldAccuracies);
});

test("classes smaller than the folds are left out with one warning; fewer than two classes left is an error", () => {
  resetWarnings();
  const y = [...labels(40, ["big", "other"], [1, 1], 6), "rare", "rare", ""];
  const task = labelTask("family", y, { folds: 5, seed: 1 });
  assert.deepEqual(task.dropped, [{ label: "rare", count: 2 }]);
  assert.equal(task.missing, 1);
  assert.equal(task.rows.length, 40);
  assert.deepEqual(task.classes, ["big", "other"]);
  const messages = [...warningCounts().keys()];
  assert.ok(
    messages.some((m) => m === 'label "family": "rare" (2) has fewer neurons than the 5 folds and is left out of its scores'),
    messages.join("\n"),
  );
  assert.ok(
    messages.some((m) => m === 'label "family": 1 of 43 neurons have no value and are left out of its scores'),
    messages.join("\n"),
  );
  assert.throws(
    () => labelTask("family", ["a", "a", "a", "a", "a", "b"], { folds: 5, seed: 1 }),
    /1 class with at least 5 neurons \(one per fold\); nothing to tell apart/,
  );
});

test("k larger than a training fold is refused with the fold and k named", () => {
  const y = labels(12, ["a", "b"], [1, 1], 7);
  const task = labelTask("class", y, { folds: 3, seed: 1 });
  assert.throws(
    () => scoreFeatures(features(y.map((_, i) => [i])), task, { k: 10, c: 1 }),
    /label "class": fold 1 has 8 training neurons, fewer than k = 10/,
  );
});

test("continuous labels: k-NN R² near one for a feature that carries the value, near zero for noise and for the mean", () => {
  const rng = random(8);
  const depth = Array.from({ length: 150 }, () => rng.uniform(0, 1000));
  const raw = depth.map((d) => d.toFixed(3));
  assert.equal(guessLabelKind(raw), "continuous");
  const task = labelTask("depth", raw, { folds: 5, seed: 3 });
  assert.equal(task.kind, "continuous");
  const informative = scoreFeatures(features(depth.map((d) => [d / 1000 + 0.01 * rng.normal(), rng.normal() * 0.01])), task, OPTIONS);
  assert.ok(informative.r2!.mean > 0.95, `informative R² ${informative.r2!.mean}`);
  const noise = scoreFeatures(features(depth.map(() => [rng.normal(), rng.normal()])), task, OPTIONS);
  assert.ok(noise.r2!.mean < 0.1, `noise R² ${noise.r2!.mean}`);
  const mean = majorityScores(task).r2!;
  assert.ok(mean.mean <= 0 && mean.mean > -0.1, `mean predictor R² ${mean.mean}`);
});

test("guessLabelKind: numbers with few distinct values are classes (layers), text is always classes", () => {
  assert.equal(guessLabelKind(["1", "2", "3", "4", "5", "6", "2", ""]), "categorical");
  assert.equal(guessLabelKind(Array.from({ length: 30 }, (_, i) => `cell${i}`)), "categorical");
  assert.equal(guessLabelKind(Array.from({ length: 30 }, (_, i) => String(i * 1.5))), "continuous");
});
