import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { initEngine } from "../../lib/engine";
import { loadCheckpoint, type TrainState } from "../../lib/train";
import { synthNeurons } from "../../lib/synthetic";
import { runCommandProcess } from "../helpers/command-process";
import { checkpointWeights, runNumbers } from "./run-numbers";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "train-cli-"));
let data = "";

before(async () => {
  await initEngine({ quiet: true });
  data = path.join(tmp(), "neurons");
  // 10 train, 1 val, 1 test neurons with a 32³ cache: the tiny preset's grid.
  await synthNeurons({ out: data, count: 12, points: 2000, grids: [32], seed: 3 });
});

// No checkpoint falls due before the end, so what a stop keeps is the checkpoint the stop writes.
const settings = (out: string) => [
  "--data",
  data,
  "--out",
  out,
  "--iterations",
  "12",
  "--batch-size",
  "2",
  "--validation-batch-size",
  "2",
  "--checkpoint-every",
  "100",
];

test("SIGTERM makes train write its checkpoint and exit 3; the same command continues to the uninterrupted run's numbers", async () => {
  const whole = path.join(tmp(), "whole");
  const straight = await runCommandProcess("training/train.ts", settings(whole));
  assert.equal(straight.code, 0, straight.stderr);
  assert.match(straight.stdout, /^Finished at iteration 12\/12\./);

  const broken = path.join(tmp(), "broken");
  const first = await runCommandProcess("training/train.ts", settings(broken), { stopAt: /^dense epoch \d+ \[/ });
  assert.ok(first.stopSent, first.stderr);
  assert.equal(first.code, 3, first.stderr);
  assert.match(
    first.stderr,
    /train: SIGTERM received; stopping after this step \(the checkpoint is written\)\. Run the same command again to continue\./,
  );
  const stoppedAt = Number(/^Stopped at iteration (\d+)\/12\./.exec(first.stdout)?.[1]);
  assert.ok(stoppedAt >= 1 && stoppedAt < 12, first.stdout);
  const last = loadCheckpoint<TrainState>(path.join(broken, "checkpoints", "last"), "last");
  last.autoencoder.model.dispose();
  assert.equal(last.state!.iteration, stoppedAt, "the stop wrote the checkpoint of the step it stopped after");

  const second = await runCommandProcess("training/train.ts", settings(broken));
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stderr, new RegExp(`Continuing .*broken at iteration ${stoppedAt}/12`));
  assert.deepEqual(runNumbers(broken), runNumbers(whole));
  assert.deepEqual(checkpointWeights(path.join(broken, "checkpoints", "last")), checkpointWeights(path.join(whole, "checkpoints", "last")));

  const other = await runCommandProcess("training/train.ts", [...settings(broken), "--max-lr", "0.001"]);
  assert.equal(other.code, 2);
  assert.match(
    other.stderr,
    /^train: .*broken holds a run with other settings \(--max-lr 0\.005 there, 0\.001 here\); continue it with --resume, or choose another --out\n$/m,
  );
});
