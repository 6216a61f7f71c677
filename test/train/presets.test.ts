import { test } from "node:test";
import * as assert from "node:assert/strict";
import { PRESETS, resolveTrainOptions } from "../../lib/train";
import { parseArgs } from "../../training/train";

test("the four thesis presets carry SPEC.md's hyperparameters", () => {
  for (const name of ["dense64", "nlat64"] as const) {
    const p = PRESETS[name];
    assert.deepEqual([p.grid, p.alpha, p.gamma, p.maxLr, p.batchSize, p.iterations], [64, 0.65, 1, 3e-3, 50, 14_000]);
  }
  for (const name of ["dense128", "nlat128"] as const) {
    const p = PRESETS[name];
    assert.deepEqual([p.grid, p.alpha, p.gamma, p.maxLr, p.batchSize, p.iterations], [128, 0.75, 2.2, 1e-3, 10, 50_000]);
  }
  for (const p of Object.values(PRESETS)) {
    assert.deepEqual([p.weightDecay, p.beta1, p.beta2, p.pctStart, p.divFactor, p.finalDivFactor, p.seed], [0.01, 0.9, 0.999, 0.05, 25, 1e4, 1996]);
  }
  assert.equal(PRESETS.nlat64.mode, "nlat");
  assert.equal(PRESETS.nlat64.latentCells, 10);
  assert.equal(PRESETS.dense128.mode, "dense");
});

test("overrides apply and bad values are refused with the field and value", () => {
  assert.equal(resolveTrainOptions("dense64", { batchSize: 2 }).batchSize, 2);
  assert.throws(() => resolveTrainOptions("dense65"), /training preset: expected one of "dense64", .*found "dense65"/);
  assert.throws(() => resolveTrainOptions("tiny", { batchSize: 0 }), /batchSize: expected an integer >= 1; found 0/);
  assert.throws(() => resolveTrainOptions("tiny", { alpha: 1.5 }), /alpha: expected a number in \[0, 1\]; found 1.5/);
  assert.throws(() => resolveTrainOptions("tiny", { mode: "sparse" as never }), /training mode: expected one of "dense", "nlat"/);
});

test("the CLI reads kebab-case and camelCase flags, numbers and --resume", () => {
  const a = parseArgs(["--preset", "nlat64", "--data", "d", "--out=o", "--max-lr", "1e-3", "--batchSize", "4", "--mode", "dense"])!;
  assert.deepEqual(a, { preset: "nlat64", data: "d", out: "o", resume: false, overrides: { maxLr: 1e-3, batchSize: 4, mode: "dense" } });
  assert.equal(parseArgs(["--resume", "--data", "d", "--out", "o"])!.resume, true);
  assert.equal(parseArgs(["--help"]), null);
  assert.throws(() => parseArgs(["--learning-rate", "1"]), /unknown option --learning-rate/);
  assert.throws(() => parseArgs(["--iterations", "many"]), /--iterations expects a number; found "many"/);
});
