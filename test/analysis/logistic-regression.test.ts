import { test } from "node:test";
import * as assert from "node:assert/strict";
import { fitLogisticRegression, logisticClassify, logisticProbabilities } from "../../lib/analysis";
import { random } from "../../lib/core";
import { requires } from "../helpers/requires";
import { pythonJson, sklearn } from "../helpers/python";

/** n points in d dimensions, class i % K shifted along axis class by `shift`: overlapping, not separable. */
function blobs(n: number, d: number, K: number, shift: number, seed: number): { x: number[][]; y: number[] } {
  const rng = random(seed);
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % K;
    y.push(c);
    x.push(Array.from({ length: d }, (_, j) => rng.normal() * (1 + j / d) + (j === c ? shift : 0) + 3 * (j === d - 1 ? 1 : 0)));
  }
  return { x, y };
}

const SKLEARN = `
import json, sys
import numpy as np
from sklearn.linear_model import LogisticRegression
d = json.load(sys.stdin)
out = {}
for name, (solver, tol) in {"exact": ("newton-cg", 1e-10), "default": ("lbfgs", 1e-4)}.items():
    m = LogisticRegression(C=d["C"], solver=solver, tol=tol, max_iter=10000).fit(np.array(d["x"]), np.array(d["y"]))
    out[name] = {"proba": m.predict_proba(np.array(d["test"])).tolist(), "predict": m.predict(np.array(d["test"])).tolist(), "coef": m.coef_.tolist(), "intercept": m.intercept_.tolist()}
print(json.dumps(out))
`;
type SklearnFits = Record<"exact" | "default", { proba: number[][]; predict: number[]; coef: number[][]; intercept: number[] }>;

for (const K of [2, 3, 4]) {
  test(`fitLogisticRegression matches sklearn's LogisticRegression with ${K} classes (probabilities, coefficients, predictions)`, (t) => {
    if (!requires(t, sklearn)) return;
    const train = blobs(90, 6, K, 1.2, K);
    const test = blobs(40, 6, K, 1.2, 100 + K);
    const C = K === 3 ? 0.3 : 1;
    const sk = pythonJson(SKLEARN, { ...train, test: test.x, C }) as SklearnFits;
    const model = fitLogisticRegression(train.x, train.y, K, { c: C });
    assert.ok(model.converged, `converged after ${model.iterations} iterations`);
    const p = logisticProbabilities(model, test.x);
    let worst = 0;
    let worstDefault = 0;
    sk.exact.proba.forEach((row, i) => row.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - p[i * K + k]!)))));
    sk.default.proba.forEach((row, i) => row.forEach((v, k) => (worstDefault = Math.max(worstDefault, Math.abs(v - p[i * K + k]!)))));
    // newton-cg run to 1e-10 finds the same optimum; lbfgs at sklearn's default tolerance stops a little short of it.
    assert.ok(worst < 1e-6, `probabilities differ from sklearn (newton-cg) by up to ${worst}`);
    assert.ok(worstDefault < 1e-2, `probabilities differ from sklearn (lbfgs, defaults) by up to ${worstDefault}`);
    const coef = sk.exact.coef.flat();
    assert.equal(model.weights.length, coef.length);
    model.weights.forEach((w, i) => assert.ok(Math.abs(w - coef[i]!) < 1e-5, `weight ${i}: ${w} vs ${coef[i]}`));
    model.intercepts.forEach((b, i) =>
      assert.ok(Math.abs(b - sk.exact.intercept[i]!) < 1e-5, `intercept ${i}: ${b} vs ${sk.exact.intercept[i]}`),
    );
    assert.deepEqual(Array.from(logisticClassify(model, test.x)), sk.exact.predict);
  });
}

test("fitLogisticRegression is deterministic, and its probabilities sum to one", () => {
  const { x, y } = blobs(60, 4, 3, 2, 9);
  const a = fitLogisticRegression(x, y, 3);
  const b = fitLogisticRegression(x, y, 3);
  assert.deepEqual(Array.from(a.weights), Array.from(b.weights));
  const p = logisticProbabilities(a, x);
  for (let i = 0; i < 60; i++) assert.ok(Math.abs(p[3 * i]! + p[3 * i + 1]! + p[3 * i + 2]! - 1) < 1e-12);
  // Well separated classes (shift 6) are learnt perfectly.
  const far = blobs(60, 4, 3, 6, 10);
  const m = fitLogisticRegression(far.x, far.y, 3);
  assert.deepEqual(Array.from(logisticClassify(m, far.x)), far.y);
});

test("fitLogisticRegression refuses what it cannot fit, naming it", () => {
  assert.throws(() => fitLogisticRegression([[0], [1]], [0, 0], 1), /needs at least 2 classes, found 1/);
  assert.throws(() => fitLogisticRegression([[0], [1]], [0], 2), /1 labels for 2 points/);
  assert.throws(() => fitLogisticRegression([[0], [1]], [0, 2], 2), /class code 2 outside 0..1/);
  assert.throws(() => fitLogisticRegression([[0], [1]], [0, 1], 2, { c: 0 }), /C must be > 0, found 0/);
});
