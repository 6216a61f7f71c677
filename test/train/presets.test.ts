import { test } from "node:test";
import * as assert from "node:assert/strict";
import { PRESETS, resolveTrainOptions } from "../../lib/train";
import { parseOptions } from "../../lib/cli";
import { trainCommand } from "../../training/train";

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
    assert.deepEqual(
      [p.weightDecay, p.beta1, p.beta2, p.pctStart, p.divFactor, p.finalDivFactor, p.seed],
      [0.01, 0.9, 0.999, 0.05, 25, 1e4, 1996],
    );
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

test("train's flags are the presets' hyperparameters in kebab-case, typed from the preset", () => {
  const a = parseOptions(
    ["--preset", "nlat64", "--data", "d", "--out=o", "--max-lr", "1e-3", "--batch-size", "4", "--mode", "dense"],
    trainCommand.options,
  );
  assert.equal(a.values.preset, "nlat64");
  assert.equal(a.values.maxLr, 1e-3);
  assert.equal(a.values.batchSize, 4);
  assert.equal(a.values.mode, "dense");
  assert.equal(a.values.resume, undefined);
  assert.equal(parseOptions(["--resume", "--data", "d", "--out", "o"], trainCommand.options).values.resume, true);
  assert.throws(() => parseOptions(["--learning-rate", "1"], trainCommand.options), /unknown option --learning-rate/);
  assert.throws(
    () => parseOptions(["--data", "d", "--out", "o", "--iterations", "many"], trainCommand.options),
    /--iterations: expected an integer; found "many"/,
  );
  assert.throws(
    () => parseOptions(["--data", "d", "--out", "o", "--mode", "sparse"], trainCommand.options),
    /--mode: expected one of dense, nlat; found "sparse"/,
  );
  for (const key of Object.keys(PRESETS.tiny)) assert.ok(key in trainCommand.options, `no flag for ${key}`);
});
