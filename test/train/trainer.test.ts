import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initEngine } from "../../lib/engine";
import {
  loadCheckpoint,
  readTrainingLog,
  resolveTrainOptions,
  Trainer,
  train,
  TrainingMode,
  TrainRecord,
  TrainState,
} from "../../lib/train";
import { checkpointWeights, runNumbers } from "./run-numbers";
import { toySource } from "./toy-neurons";

before(async () => {
  await initEngine({ quiet: true });
});

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "wb-train-"));
// 6 training neurons in batches of 2: 3 steps per epoch, validations after steps 1, 2, 3 (1/3, 2/3, end).
const source = toySource(16, 6, 2);
const options = (mode: TrainingMode) =>
  resolveTrainOptions("tiny", {
    mode,
    grid: 16,
    baseChannels: 2,
    batchSize: 2,
    validationBatchSize: 2,
    iterations: 7,
    checkpointEvery: 2,
    latentCells: 3,
    maxLr: 1e-2,
  });

for (const mode of ["dense", "nlat"] as const) {
  test(`${mode}: a run killed after a checkpoint and resumed gives exactly the uninterrupted numbers`, async () => {
    const whole = tmp();
    const summary = await train(source, whole, options(mode));
    assert.equal(summary.iteration, 7);
    assert.equal(summary.stopped, false);

    const broken = tmp();
    const t = Trainer.create(source, broken, options(mode));
    // Dies at step 5: the last checkpoint is from step 4 and the log already has step 5.
    await assert.rejects(
      t.run((e) => {
        if (e.done === 5) throw new Error("power cut");
      }),
      /power cut/,
    );
    t.dispose();
    assert.equal(readTrainingLog(broken).filter((r) => r.kind === "train").length, 5);
    const resumed = Trainer.resume(source, broken);
    assert.equal(resumed.iteration, 4);
    await resumed.run();
    resumed.dispose();

    assert.deepEqual(runNumbers(broken), runNumbers(whole));
    assert.deepEqual(
      checkpointWeights(path.join(broken, "checkpoints", "last")),
      checkpointWeights(path.join(whole, "checkpoints", "last")),
    );
    for (const dir of [whole, broken]) {
      const files = fs.readdirSync(path.join(dir, "checkpoints")).sort();
      assert.deepEqual(files, ["best-f1", "best-iou", "last"], `no temporary checkpoint left in ${dir}`);
    }
  });
}

test("validations run at the start, 1/3, 2/3 and end of each epoch; every step is logged", async () => {
  const dir = tmp();
  const s = await train(source, dir, options("dense"));
  assert.deepEqual(
    s.validations.map((v) => v.iteration),
    [0, 1, 2, 3, 4, 5, 6, 7],
  );
  const log = readTrainingLog(dir);
  const steps = log.filter((r): r is TrainRecord => r.kind === "train");
  assert.deepEqual(
    steps.map((r) => r.iteration),
    [1, 2, 3, 4, 5, 6, 7],
  );
  for (const r of steps) {
    assert.ok(Number.isFinite(r.loss) && r.f1 >= 0 && r.f1 <= 1 && r.iou >= 0 && r.iou <= r.f1 + 1e-12 && r.lr > 0, JSON.stringify(r));
  }
  const state = loadCheckpoint<TrainState>(path.join(dir, "checkpoints", "best-f1"));
  assert.equal(state.state!.best.f1!.iteration, s.best.f1!.iteration);
  state.autoencoder.model.dispose();
});

test("a longer schedule validates at the thirds of each epoch", () => {
  const t = Trainer.create(toySource(16, 30, 1), tmp(), { ...options("dense"), iterations: 40 });
  // 15 steps per epoch: thirds after 5 and 10, end after 15.
  const points = Array.from({ length: 41 }, (_, i) => i).filter((i) => t.isValidationPoint(i));
  assert.deepEqual(points, [0, 5, 10, 15, 20, 25, 30, 35, 40]);
  t.dispose();
});

test("nLat keeps best checkpoints only from the second half of training", async () => {
  const dir = tmp();
  const s = await train(source, dir, options("nlat"));
  assert.ok(s.best.f1!.iteration >= 3.5 && s.best.iou!.iteration >= 3.5, JSON.stringify(s.best));
  const early = s.validations.filter((v) => v.iteration < 3.5);
  assert.ok(early.every((v) => v.saved.length === 0));
});

test("onProgress returning false stops with a resumable checkpoint; a used directory is refused", async () => {
  const dir = tmp();
  const t = Trainer.create(source, dir, options("dense"));
  const s = await t.run((e) => e.done < 3);
  t.dispose();
  assert.equal(s.stopped, true);
  assert.equal(s.iteration, 3);
  assert.throws(() => Trainer.create(source, dir, options("dense")), /already holds a run; resume it/);
  const r = Trainer.resume(source, dir);
  assert.equal(r.iteration, 3);
  r.dispose();
});

test("training leaks no tensors per step", async () => {
  const t = Trainer.create(source, tmp(), options("nlat"));
  await t.step();
  const n = tf.memory().numTensors;
  await t.step();
  await t.step();
  assert.equal(tf.memory().numTensors, n);
  t.dispose();
});
