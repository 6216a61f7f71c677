import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initEngine } from "../../lib/engine";
import { readNpyFile, writeNpyFile } from "../../lib/io";
import { createAutoencoder } from "../../lib/models";
import { resolveTrainOptions, saveCheckpoint, Trainer } from "../../lib/train";
import {
  disposeInferenceNetwork,
  exportStateDict,
  loadInferenceNetwork,
  readTorchFile,
  runInference,
  toFloat32,
  type TorchTensor,
} from "../../lib/interop";
import { runCommandProcess } from "../helpers/command-process";
import { toySource } from "../train/toy-neurons";

const fixtures = path.resolve(__dirname, "../fixtures/torch");

before(async () => {
  await initEngine({ quiet: true });
});

/** A 64³ occupancy grid with an off-centre box, so axis mix-ups change the output. */
function volume64(): Uint8Array {
  const v = new Uint8Array(64 ** 3);
  for (let x = 10; x < 40; x++) for (let y = 20; y < 30; y++) for (let z = 5; z < 50; z++) v[(x * 64 + y) * 64 + z] = 1;
  return v;
}

function expectedLogits(seed: number, v: Uint8Array): Float32Array {
  const ae = createAutoencoder({ grid: 64, baseChannels: 2, seed });
  const out = tf.tidy(
    () => (ae.model.predict(tf.tensor5d(Float32Array.from(v), [1, 64, 64, 64, 1])) as tf.Tensor).dataSync() as Float32Array,
  );
  ae.model.dispose();
  ae.decoder.dispose();
  return out;
}

test("npm run infer: a .pth autoencoder checkpoint on a 64³ .npy volume gives the model's logits", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "infer-"));
  const ae = createAutoencoder({ grid: 64, baseChannels: 2, seed: 3 });
  exportStateDict(path.join(dir, "dense64.pth"), ae);
  ae.model.dispose();
  ae.decoder.dispose();
  const v = volume64();
  writeNpyFile(path.join(dir, "volume.npy"), v, [64, 64, 64]);
  const infer = (...model: string[]) =>
    runCommandProcess("training/infer.ts", [
      "--checkpoint",
      path.join(dir, "dense64.pth"),
      ...model,
      "--input",
      path.join(dir, "volume.npy"),
      "--out",
      path.join(dir, "logits.npy"),
    ]);
  const r = await infer("--model", "dense64");
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^autoencoder \(dense, grid 64, 2 base channels\): .*volume\.npy → .*logits\.npy \[64, 64, 64\] in [\d.]+ s\n$/);
  const logits = readNpyFile(path.join(dir, "logits.npy"));
  assert.equal(logits.dtype, "float32");
  assert.deepEqual(logits.shape, [64, 64, 64]);
  assert.deepEqual(logits.data, expectedLogits(3, v));
  const bare = await infer();
  assert.equal(bare.code, 2);
  assert.match(
    bare.stderr,
    /^infer: .*dense64\.pth is a PyTorch file, which does not say which model it holds: name it with --model \(dense32, .*, vgg3d\); a workbench run directory needs no --model\n$/m,
  );
});

test("a workbench checkpoint directory loads through the training checkpoint format, with or without a model; a wrong grid is refused", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "infer-"));
  const ae = createAutoencoder({ grid: 64, baseChannels: 2, seed: 4 });
  saveCheckpoint(path.join(dir, "run", "checkpoints", "best-f1"), ae);
  ae.model.dispose();
  ae.decoder.dispose();
  const v = volume64();
  const net = loadInferenceNetwork(path.join(dir, "run"), "nlat64");
  assert.equal(
    net.description,
    "autoencoder (nlat, grid 64, 2 base channels)",
    "a checkpoint without training state takes the model's mode",
  );
  const batch = new Uint8Array(2 * 64 ** 3);
  batch.set(v, 64 ** 3);
  const result = runInference(net, { shape: [2, 64, 64, 64], data: batch });
  disposeInferenceNetwork(net);
  assert.deepEqual(result.shape, [2, 64, 64, 64]);
  assert.deepEqual(result.data.subarray(64 ** 3), expectedLogits(4, v));
  const unnamed = loadInferenceNetwork(path.join(dir, "run"));
  assert.equal(unnamed.description, "autoencoder (grid 64, 2 base channels)");
  disposeInferenceNetwork(unnamed);
  assert.throws(
    () => loadInferenceNetwork(path.join(dir, "run"), "dense128"),
    /^ConfigError: model dense128 is a dense autoencoder of grid 128, but .*run holds an autoencoder \(grid 64, 2 base channels\); leave the model out, the directory says what it holds$/,
  );
  const before = tf.memory().numTensors;
  assert.throws(
    () => loadInferenceNetwork(path.join(fixtures, "autoencoder_g32_b4.pth"), "dense64"),
    /expected an autoencoder for grid 64; .* grid 32/,
  );
  assert.equal(tf.memory().numTensors, before);
});

test("vgg3d: the fixture crop gives PyTorch's 192 pooled features", () => {
  const io = readTorchFile(path.join(fixtures, "vgg3d_io.pth")) as Map<string, TorchTensor>;
  const input = io.get("input")!;
  const net = loadInferenceNetwork(path.join(fixtures, "vgg3d_features_fp16.pth"), "vgg3d");
  const result = runInference(net, { shape: [80, 80, 80], data: toFloat32(input) });
  disposeInferenceNetwork(net);
  assert.deepEqual(result.shape, [192]);
  const want = toFloat32(io.get("features")!);
  const worst = result.data.reduce((m, x, i) => Math.max(m, Math.abs(x - want[i]!)), 0);
  assert.ok(worst <= 1e-4 * Math.max(1, ...want), `features differ by ${worst}`);
});

test("a run directory says its mode: a model of the other mode is refused, the same model or none loads it", () => {
  const run = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "infer-")), "tiny-nlat");
  const trainer = Trainer.create(toySource(32, 2, 1), run, resolveTrainOptions("tiny", { mode: "nlat", baseChannels: 2 }));
  trainer.saveLast();
  trainer.dispose();
  for (const model of [undefined, "nlat32"]) {
    const net = loadInferenceNetwork(run, model);
    assert.equal(net.description, "autoencoder (nlat, grid 32, 2 base channels)");
    disposeInferenceNetwork(net);
  }
  const before = tf.memory().numTensors;
  assert.throws(
    () => loadInferenceNetwork(run, "dense32"),
    /model dense32 is a dense autoencoder of grid 32, but .*tiny-nlat holds an autoencoder \(nlat, grid 32, 2 base channels\)/,
  );
  assert.equal(tf.memory().numTensors, before, "the refused network is disposed");
  assert.throws(() => loadInferenceNetwork(run, "vgg3d"), /the VGG3D loads from a PyTorch \.pth file; .*tiny-nlat is a directory/);
});

test("bad arguments and inputs are explained", () => {
  assert.throws(
    () => loadInferenceNetwork(path.join(fixtures, "nope.pth"), "dense64"),
    /^ConfigError: checkpoint .*nope\.pth does not exist$/,
  );
  assert.throws(
    () => loadInferenceNetwork(path.join(fixtures, "vgg3d_io.pth"), "dense256"),
    /^ConfigError: model: expected one of "dense32", "nlat32", "dense64", "nlat64", "dense128", "nlat128", "vgg3d"; found "dense256"$/,
  );
  const net = loadInferenceNetwork(path.join(fixtures, "vgg3d_features_fp16.pth"), "vgg3d");
  assert.throws(
    () => runInference(net, { shape: [64, 64, 64], data: new Float32Array(64 ** 3) }),
    /vgg3d input: expected an array of shape \[80, 80, 80\] or \[N, 80, 80, 80\]; found \[64, 64, 64\]/,
  );
  disposeInferenceNetwork(net);
});
