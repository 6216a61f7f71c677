import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initEngine } from "../../lib/engine";
import { AdamW } from "../../lib/train";

before(async () => {
  await initEngine({ quiet: true });
});

const close = (a: ArrayLike<number>, b: number[], tol: number) =>
  b.forEach((v, i) => assert.ok(Math.abs(a[i]! - v) <= tol, `[${i}] ${a[i]} vs ${v}`));

test("three steps equal torch.optim.AdamW (decay decoupled, bias-corrected moments)", () => {
  const p = tf.variable(tf.tensor1d([1, -2]), true, "adamw_p");
  const opt = new AdamW([p], { weightDecay: 0.01 });
  // First step by hand: p·(1 − 0.1·0.01) − 0.1·sign(g) (m̂/sqrt(v̂) = ±1) = 0.899, −1.998 + 0.1.
  const steps: Array<[number[], number, number[]]> = [
    [[0.5, -0.1], 0.1, [0.899000002, -1.898000009999999]],
    [[0.2, 0.3], 0.05, [0.8536217429504641, -1.9217605005550322]],
    [[-1, 0], 0.02, [0.8581202807721656, -1.9290163515055263]],
  ];
  for (const [g, lr, expected] of steps) {
    const grad = tf.tensor1d(g);
    opt.step({ adamw_p: grad }, lr);
    grad.dispose();
    close(p.dataSync(), expected, 2e-6);
  }
  const state = opt.getState();
  assert.equal(state.step, 3);
  close(state.moments[0]!.m, [-0.0415, 0.0189], 1e-7);
  close(state.moments[0]!.v, [0.00128946025, 9.989001e-5], 1e-9);
  opt.dispose();
  p.dispose();
});

test("a state restored into a new optimiser continues identically, and nothing leaks", () => {
  const before = tf.memory().numTensors;
  const run = (split: boolean): Float32Array => {
    const p = tf.tidy(() => tf.variable(tf.tensor1d([0.3, 0.7, -1])));
    let opt = new AdamW([p]);
    for (let i = 0; i < 4; i++) {
      if (split && i === 2) {
        const s = opt.getState();
        opt.dispose();
        opt = new AdamW([p]);
        opt.setState(s);
      }
      const g = tf.tensor1d([Math.sin(i), Math.cos(i), 0.1 * i]);
      opt.step({ [p.name]: g }, 0.01);
      g.dispose();
    }
    const out = p.dataSync() as Float32Array;
    opt.dispose();
    p.dispose();
    return out;
  };
  assert.deepEqual(run(true), run(false));
  assert.equal(tf.memory().numTensors, before);
});

test("a missing gradient and a mismatched state are refused by name", () => {
  const p = tf.variable(tf.zeros([2]), true, "adamw_q");
  const opt = new AdamW([p]);
  assert.throws(() => opt.step({}, 0.1), /no gradient for variable adamw_q/);
  assert.throws(
    () => opt.setState({ step: 1, names: ["adamw_q"], moments: [{ m: new Float32Array(3), v: new Float32Array(3) }] }),
    /adamw_q has 2 values; the saved moments have 3\/3/,
  );
  opt.dispose();
  p.dispose();
});
