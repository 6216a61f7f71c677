import { after, test } from "node:test";
import { requires } from "../helpers/requires";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initEngine } from "../../lib/engine";
import { openDataset, type Dataset } from "../../lib/dataset";
import { createAutoencoder, disposeAutoencoder, type Autoencoder } from "../../lib/models";
import { evaluateAutoencoder, searchThreshold, thresholdTable } from "../../lib/pipeline";
import { synthNeurons } from "../../lib/synthetic";
import { scoresByThreshold, THRESHOLDS } from "../../lib/train";
import { findBrowser } from "../../lib/viz";

const made: string[] = [];
const tmp = (name: string) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `evaluate-${name}-`));
  made.push(dir);
  return dir;
};

let cached: { dataset: Dataset; autoencoder: Autoencoder } | null = null;
/** Ten synthetic neurons at 16³ and an untrained grid-16 autoencoder: enough for every step, in seconds. */
async function fixture(): Promise<{ dataset: Dataset; autoencoder: Autoencoder }> {
  if (cached) return cached;
  await initEngine({ quiet: true });
  const dir = tmp("data");
  await synthNeurons({ out: dir, count: 10, seed: 5, points: 3000, grids: [16] });
  cached = { dataset: openDataset(dir), autoencoder: createAutoencoder({ grid: 16, baseChannels: 2, seed: 3 }) };
  return cached;
}

test("the evaluation scores both splits, picks the best validation threshold and reconstructs the first validation neuron, without leaking tensors", async () => {
  const { dataset, autoencoder } = await fixture();
  const figureDir = path.join(tmp("off"), "figures");
  const before = tf.memory().numTensors;
  const e = await evaluateAutoencoder(autoencoder, dataset, { name: "toy", mode: "nlat", latentCells: 4, figureDir, export: false });
  assert.equal(tf.memory().numTensors, before, "no tensors leak");

  assert.deepEqual(e.splits, { train: "train", validation: "val" });
  assert.deepEqual(e.scores.train.thresholds, [...THRESHOLDS]);
  assert.equal(e.scores.train.neurons, dataset.ids("train").length);
  assert.equal(e.scores.validation.neurons, dataset.ids("val").length);
  const at = THRESHOLDS.indexOf(e.best.threshold);
  assert.equal(e.best.validation.f1, Math.max(...e.scores.validation.f1));
  assert.ok(e.scores.validation.f1.indexOf(e.best.validation.f1) === at, "ties go to the lower threshold");
  assert.deepEqual(e.best.train, { f1: e.scores.train.f1[at], iou: e.scores.train.iou[at] });

  // The neuron's scores come from its probabilities on the CPU; the batch scorer counts on tensors: they must agree.
  const id = dataset.ids("val")[0]!;
  assert.equal(e.neuron.id, id);
  assert.deepEqual(e.neuron.labels, dataset.row(id).labels);
  const alone = await scoresByThreshold(autoencoder, dataset, "val", { limit: 1 });
  assert.ok(Math.abs(e.neuron.f1 - alone.f1[at]!) < 1e-6, `F1 ${e.neuron.f1} vs ${alone.f1[at]}`);
  assert.ok(Math.abs(e.neuron.iou - alone.iou[at]!) < 1e-6, `IoU ${e.neuron.iou} vs ${alone.iou[at]}`);

  assert.deepEqual(Object.keys(e.figures).sort(), ["histogram", "latent_cells", "reconstruction", "threshold_f1", "threshold_iou"]);
  assert.match(String(e.figures.threshold_f1!.layout.title), /^F1 against threshold \(toy\)$/);
  assert.match(String(e.figures.reconstruction!.layout.title), new RegExp(`^toy, neuron ${id}: ground truth`));
  assert.equal(e.latentCells!.cells.length, 4);
  assert.deepEqual(e.files, { gifs: [], figures: [] });
  assert.ok(!fs.existsSync(figureDir), "export off writes nothing");

  const dense = await evaluateAutoencoder(autoencoder, dataset, { mode: "dense", neuron: dataset.ids("train")[1], export: false });
  assert.equal(dense.latentCells, null);
  assert.ok(!("latent_cells" in dense.figures));
  assert.equal(dense.neuron.id, dataset.ids("train")[1]);
  assert.deepEqual(dense.scores, e.scores, "the scores do not depend on the neuron shown or the mode");
});

test("the threshold search uses the splits and limit it is given, and its table has one row per threshold", async () => {
  const { dataset, autoencoder } = await fixture();
  const s = await searchThreshold(autoencoder, dataset, { splits: { train: "train", validation: "test" }, limit: 1 });
  assert.equal(s.scores.train.neurons, 1);
  assert.equal(s.scores.validation.neurons, 1);
  const rows = thresholdTable(s);
  assert.equal(rows.length, THRESHOLDS.length);
  assert.deepEqual(Object.keys(rows[0]!), ["threshold", "train F1", "train IoU", "test F1", "test IoU"]);
  assert.equal(rows[3]!["test F1"], s.scores.validation.f1[3]);
});

test("bad input and a stop are clear errors, and nothing is written", async () => {
  const { dataset, autoencoder } = await fixture();
  const figureDir = path.join(tmp("bad"), "figures");
  await assert.rejects(
    evaluateAutoencoder(autoencoder, dataset, { splits: { train: "train", validation: "validation" }, figureDir }),
    /needs neurons in split "validation"; the manifest's splits are .*val/,
  );
  await assert.rejects(
    evaluateAutoencoder(autoencoder, dataset, { batchSize: 1, onProgress: () => false, figureDir }),
    /stopped while scoring split "train"; nothing was written/,
  );
  await assert.rejects(
    evaluateAutoencoder(autoencoder, dataset, { neuron: "no-such-neuron", figureDir }),
    /no neuron with id "no-such-neuron"/,
  );
  await assert.rejects(
    evaluateAutoencoder(autoencoder, dataset, { gifFrames: 0, figureDir }),
    /evaluation option gifFrames: expected an integer >= 1; found 0/,
  );
  assert.ok(!fs.existsSync(figureDir));
});

test("with export on, the GIFs and every figure's PNG and SVG are written under the prefix", { timeout: 10 * 60 * 1000 }, async (t) => {
  if (!requires(t, findBrowser)) return;
  const { dataset, autoencoder } = await fixture();
  const figureDir = path.join(tmp("on"), "figures");
  const e = await evaluateAutoencoder(autoencoder, dataset, { mode: "nlat", latentCells: 4, figureDir, prefix: "toy_", gifFrames: 3 });
  const id = e.neuron.id;
  const names = ["histogram", "latent_cells", "reconstruction", "threshold_f1", "threshold_iou"];
  const expected = [`toy_${id}_rotating.gif`, `toy_${id}_slices.gif`, ...names.flatMap((n) => [`toy_${n}.png`, `toy_${n}.svg`])];
  const files = [...e.files.gifs, ...e.files.figures];
  assert.deepEqual(files.map((f) => path.basename(f)).sort(), expected.sort());
  for (const f of files) assert.ok(fs.statSync(f).size > 0, f);
  assert.deepEqual(fs.readdirSync(figureDir).sort(), expected.sort(), "no temporary files are left");
  assert.equal(fs.readFileSync(e.files.gifs[0]!).subarray(0, 6).toString("latin1"), "GIF89a");
});

after(() => {
  if (cached) disposeAutoencoder(cached.autoencoder);
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});
