import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initEngine } from "../../lib/engine";
import { loadAutoencoderWeights, loadStateDict, runInference, type RunExport } from "../../lib/interop";
import { createAutoencoder, disposeAutoencoder } from "../../lib/models";
import { loadCheckpoint, resolveTrainOptions, train } from "../../lib/train";
import { toyNeuron, toySource } from "../train/toy-neurons";
import { pytorch } from "../helpers/python";
import { requires } from "../helpers/requires";
import { referenceLogits } from "./python-torch";

const root = path.resolve(__dirname, "../..");
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "export-"));

/** The tiny preset's own network (grid 32, base channels 8), trained for 2 steps so the batch-norm statistics have moved. */
const run = (async () => {
  await initEngine({ quiet: true });
  const dir = path.join(tmp(), "tiny");
  await train(toySource(32, 4, 2), dir, resolveTrainOptions("tiny", { iterations: 2, batchSize: 2, validationBatchSize: 2 }));
  return dir;
})();

before(async () => {
  await run;
});

function exportCli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, ["--import", "tsx", path.join(root, "training/export.ts"), ...args], { encoding: "utf8", cwd: root });
}

test("export writes the run's weights exactly, with what the reference constructor needs beside them", async () => {
  const dir = tmp();
  const out = path.join(dir, "tiny.pth");
  const r = exportCli(["--checkpoint", await run, "--out", out, "--which", "last"]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stdout,
    /tiny\.pth: last of .* \(dense, iteration 2, validation F1 [\d.]+, IoU [\d.]+\); load with Autoencoder\(grid=32, base_channels=8\)/,
  );
  const record = JSON.parse(fs.readFileSync(`${out}.json`, "utf8")) as RunExport;
  assert.deepEqual(record.network, { class: "Autoencoder", module: "reference/networks.py", kwargs: { grid: 32, base_channels: 8 } });
  assert.equal(record.run.checkpoint, "last");
  assert.equal(record.run.iteration, 2);
  assert.equal(record.latent, "[N, 32, 8, 8, 8]");

  const { autoencoder: trained } = loadCheckpoint(await run, "last");
  const back = createAutoencoder({ grid: 32, baseChannels: 8, seed: 99 });
  loadAutoencoderWeights(back, loadStateDict(out), out);
  const want = trained.model.getWeights();
  back.model.getWeights().forEach((w, i) => assert.deepEqual(w.dataSync(), want[i]!.dataSync(), trained.model.weights[i]!.name));
  disposeAutoencoder(trained);
  disposeAutoencoder(back);

  // The default is best-f1, the checkpoint embed and infer take from a run.
  const best = path.join(dir, "best.pth");
  assert.equal(exportCli(["--checkpoint", await run, "--out", best]).status, 0);
  assert.equal((JSON.parse(fs.readFileSync(`${best}.json`, "utf8")) as RunExport).run.checkpoint, "best-f1");
});

test("export: a missing checkpoint, a checkpoint directory and a directory that is no run are errors that say what to give", async () => {
  const copy = path.join(tmp(), "run");
  fs.cpSync(await run, copy, { recursive: true });
  fs.rmSync(path.join(copy, "checkpoints", "best-iou"), { recursive: true });
  const out = path.join(tmp(), "x.pth");
  const missing = exportCli(["--checkpoint", copy, "--out", out, "--which", "best-iou"]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^export: .*run: no best-iou checkpoint \(the run has best-f1, last; /);
  const inner = exportCli(["--checkpoint", path.join(copy, "checkpoints", "last"), "--out", out]);
  assert.equal(inner.status, 2);
  assert.match(inner.stderr, /it is a checkpoint directory: give its run .*run and --which last/);
  const none = exportCli(["--checkpoint", tmp(), "--out", out]);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /not a training run directory \(no checkpoints\/\)/);
  assert.equal(exportCli(["--checkpoint", copy, "--out", out, "--which", "first"]).status, 2);
  assert.ok(!fs.existsSync(out), "nothing written on an error");
});

test("PyTorch builds the network from the export's own record, loads it strictly and computes the workbench's logits", async (t) => {
  if (!requires(t, pytorch)) return;
  const dir = tmp();
  const out = path.join(dir, "tiny.pth");
  assert.equal(exportCli(["--checkpoint", await run, "--out", out, "--which", "last"]).status, 0);
  const volumes = new Float32Array(2 * 32 ** 3);
  volumes.set(toyNeuron(32, 7), 0);
  volumes.set(toyNeuron(32, 8), 32 ** 3);
  const theirs = referenceLogits(out, volumes, 2, 32);
  assert.deepEqual(theirs.shape, [2, 1, 32, 32, 32]);
  const want = theirs.data;
  const runDir = await run;
  const previous = tf.getBackend();
  await tf.setBackend("cpu");
  const logitsOf = (which: "last" | "best-f1"): Float32Array => {
    const { autoencoder } = loadCheckpoint(runDir, which);
    try {
      return runInference({ kind: "autoencoder", autoencoder, mode: null, description: which }, { shape: [2, 32, 32, 32], data: volumes })
        .data;
    } finally {
      disposeAutoencoder(autoencoder);
    }
  };
  let ours: Float32Array;
  let untrained: Float32Array;
  try {
    ours = logitsOf("last");
    untrained = logitsOf("best-f1");
  } finally {
    await tf.setBackend(previous);
  }
  // A short run's logits vary little: the tolerance is relative to their spread.
  const [low, high] = want.reduce(([a, b], v) => [Math.min(a, v), Math.max(b, v)], [Infinity, -Infinity]);
  const maxDiff = (a: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - want[i]!)), 0);
  assert.ok(high > low, "the logits vary across the volumes");
  assert.ok(maxDiff(ours) <= 1e-4 * (high - low), `logits differ by ${maxDiff(ours)}; they span ${low}..${high}`);
  // The comparison tells the weights apart: the best-f1 checkpoint (before the first step) does not match.
  assert.ok(maxDiff(untrained) > 1e-2 * (high - low), `best-f1's logits differ by only ${maxDiff(untrained)}`);
});
