import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initEngine } from "../../lib/engine";
import { createAutoencoder } from "../../lib/models";
import { AdamW, checkpointConfig, loadCheckpoint, saveCheckpoint, trainableVariables } from "../../lib/train";

before(async () => {
  await initEngine({ quiet: true });
});

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "wb-ckpt-"));

/** The parts of a tfjs model.json these tests read and damage. */
interface ModelJson {
  modelTopology: { class_name: string };
  weightsManifest: Array<{ paths: string[]; weights: Array<{ name: string }> }>;
}
const readModelJson = (file: string): ModelJson => JSON.parse(fs.readFileSync(file, "utf8")) as ModelJson;

test("weights, batch-norm statistics, optimiser moments and state survive save → load", () => {
  const a = createAutoencoder({ grid: 16, baseChannels: 2, seed: 4 });
  a.model.weights.forEach((w, i) => {
    if (w.originalName.endsWith("moving_variance")) w.write(tf.fill(w.shape as number[], 1 + i / 100));
  });
  const vars = trainableVariables(a.model);
  const opt = new AdamW(vars);
  const grads = Object.fromEntries(vars.map((v) => [v.name, tf.onesLike(v)]));
  opt.step(grads, 0.01);
  tf.dispose(Object.values(grads));
  const dir = path.join(tmp(), "ckpt");
  saveCheckpoint(dir, a, { state: { iteration: 7, note: "x" }, optimizer: opt.getState() });
  assert.deepEqual(fs.readdirSync(dir).sort(), ["model.json", "optimizer.bin", "state.json", "weights.bin"]);
  const loaded = loadCheckpoint<{ iteration: number; note: string }>(dir);
  assert.deepEqual(loaded.state, { iteration: 7, note: "x" });
  assert.deepEqual(checkpointConfig(dir), { grid: 16, baseChannels: 2 });
  const before = a.model.getWeights().map((t) => Array.from(t.dataSync()));
  const after = loaded.autoencoder.model.getWeights().map((t) => Array.from(t.dataSync()));
  assert.deepEqual(after, before);
  const s = opt.getState();
  assert.equal(loaded.optimizer!.step, 1);
  assert.deepEqual(
    loaded.optimizer!.moments.map((m) => Array.from(m.v)),
    s.moments.map((m) => Array.from(m.v)),
  );
  // model.json is the tfjs layers format, so tf.loadLayersModel can read it too.
  const manifest = readModelJson(path.join(dir, "model.json"));
  assert.equal(manifest.modelTopology.class_name, "Model");
  assert.equal(manifest.weightsManifest[0]?.paths[0], "weights.bin");
  opt.dispose();
  a.model.dispose();
  loaded.autoencoder.model.dispose();
});

test("saving over a checkpoint replaces it whole and leaves no temporary directory", () => {
  const a = createAutoencoder({ grid: 16, baseChannels: 2, seed: 1 });
  const b = createAutoencoder({ grid: 16, baseChannels: 2, seed: 2 });
  const root = tmp();
  const dir = path.join(root, "last");
  saveCheckpoint(dir, a);
  saveCheckpoint(dir, b);
  assert.deepEqual(fs.readdirSync(root), ["last"]);
  const loaded = loadCheckpoint(dir);
  assert.deepEqual(Array.from(loaded.autoencoder.model.getWeights()[0]!.dataSync()), Array.from(b.model.getWeights()[0]!.dataSync()));
  [a, b, loaded.autoencoder].forEach((x) => x.model.dispose());
});

test("a crash between the two renames falls back to the previous checkpoint", () => {
  const a = createAutoencoder({ grid: 16, baseChannels: 2, seed: 1 });
  const root = tmp();
  saveCheckpoint(path.join(root, "last"), a);
  fs.renameSync(path.join(root, "last"), path.join(root, "last.old-123-456"));
  const loaded = loadCheckpoint(path.join(root, "last"));
  assert.deepEqual(Array.from(loaded.autoencoder.model.getWeights()[0]!.dataSync()), Array.from(a.model.getWeights()[0]!.dataSync()));
  [a, loaded.autoencoder].forEach((x) => x.model.dispose());
});

test("a run directory resolves to its best-f1 checkpoint; damaged files are named", () => {
  const a = createAutoencoder({ grid: 16, baseChannels: 2, seed: 1 });
  const run = tmp();
  saveCheckpoint(path.join(run, "checkpoints", "last"), a, { state: { which: "last" } });
  saveCheckpoint(path.join(run, "checkpoints", "best-f1"), a, { state: { which: "best-f1" } });
  const c = loadCheckpoint<{ which: string }>(run);
  assert.equal(c.state!.which, "best-f1");
  assert.equal(loadCheckpoint<{ which: string }>(run, "last").state!.which, "last");
  c.autoencoder.model.dispose();

  const dir = path.join(run, "checkpoints", "last");
  fs.writeFileSync(path.join(dir, "weights.bin"), new Uint8Array(12));
  assert.throws(() => loadCheckpoint(dir), /weights\.bin: expected \d+ bytes for the weights in model\.json; found 12/);
  const manifest = readModelJson(path.join(run, "checkpoints", "best-f1", "model.json"));
  manifest.weightsManifest[0]!.weights[0]!.name = "incoming.block.double_conv.9/kernel";
  fs.writeFileSync(path.join(run, "checkpoints", "best-f1", "model.json"), JSON.stringify(manifest));
  assert.throws(() => loadCheckpoint(run), /unexpected weight incoming\.block\.double_conv\.9\/kernel/);
  assert.throws(() => loadCheckpoint(tmp()), /no checkpoint here \(expected model\.json and weights\.bin\)/);
  a.model.dispose();
});
