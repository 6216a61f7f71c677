import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { decodePng } from "../helpers/png";
import { featureStandIn } from "../helpers/feature-stand-in";
import * as tf from "@tensorflow/tfjs";
import { resetWarnings, warningCounts } from "../../lib/core";
import { initEngine } from "../../lib/engine";
import { exportStateDict } from "../../lib/interop";
import { createVgg3d } from "../../lib/models";
import { extractFeatures, pretrainedFeatureNetwork, readFeatureCsv, runSynapsePipeline, RANDOM_WEIGHTS_WARNING } from "../../lib/synapse";
import { SYNTHETIC_SYNAPSE_TYPES, writeSyntheticSynapses } from "../../lib/synthetic";
import { boxColor, screenshot } from "../../lib/viz";

// The real VGG3D needs seconds per 80³ crop: the pipeline's bookkeeping
// (crops, CSV, resume, analysis, report) is tested with featureStandIn.

let data = "";
before(async () => {
  await initEngine({ quiet: true });
  data = fs.mkdtempSync(path.join(os.tmpdir(), "synapse-pipe-data-"));
  writeSyntheticSynapses(data, {
    seed: 5,
    boxes: 3,
    synapses: 2,
    width: 80,
    height: 80,
    depth: 40,
    cells: 6,
    types: [SYNTHETIC_SYNAPSE_TYPES[0]!, SYNTHETIC_SYNAPSE_TYPES[2]!],
  });
});

test("feature extraction stops on request and resumes to the same table", async () => {
  const net = featureStandIn();
  const before = tf.memory().numTensors;
  const straight = fs.mkdtempSync(path.join(os.tmpdir(), "synapse-feat-a-"));
  const full = await extractFeatures(data, straight, { segType: 10, alpha: 0.5, network: net });
  assert.equal(full.table.rows.length, 6);
  assert.equal(full.computed, 6);
  assert.equal(tf.memory().numTensors, before, "no tensors leak");

  const resumed = fs.mkdtempSync(path.join(os.tmpdir(), "synapse-feat-b-"));
  let calls = 0;
  const first = await extractFeatures(data, resumed, { segType: 10, alpha: 0.5, network: net, onProgress: () => ++calls < 2 });
  assert.ok(first.stopped);
  assert.equal(readFeatureCsv(first.file).rows.length, 2);
  const second = await extractFeatures(data, resumed, { segType: 10, alpha: 0.5, network: net });
  assert.equal(second.computed, 4);
  assert.equal(path.basename(second.file), "features_seg10_alpha0.5.csv");
  const a = readFeatureCsv(full.file);
  const b = readFeatureCsv(second.file);
  assert.deepEqual(b.columns, a.columns);
  assert.deepEqual(
    b.rows.map((r) => r.meta),
    a.rows.map((r) => r.meta),
  );
  b.rows.forEach((r, i) => assert.ok(r.features.every((v, j) => Math.abs(v - a.rows[i]!.features[j]!) < 1e-5)));
  assert.ok(a.columns.includes("true_type") && a.columns.includes("presynaptic_side"));
  assert.equal(a.rows[0]!.features.length, 192);
});

test("the whole pipeline writes features, clusters, samples, GIFs and a report whose plots render", async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "synapse-pipe-out-"));
  const lines: string[] = [];
  resetWarnings();
  const r = await runSynapsePipeline(data, out, { segType: 10, alpha: 1, network: featureStandIn(), log: (l) => lines.push(l) });
  assert.equal(warningCounts().get(RANDOM_WEIGHTS_WARNING), 1, "random weights are announced, once");
  assert.ok(!lines.some((l) => l.includes(RANDOM_WEIGHTS_WARNING)), "and not again in the log");
  assert.equal(r.analysis.ids.length, 6);
  assert.equal(r.analysis.k, 6);
  assert.ok(r.analysis.ari !== null && r.analysis.ariAtTypeCount?.k === 2);
  for (const f of [r.files.features, r.files.clusters, r.files.samples, r.files.report]) assert.ok(fs.statSync(f).size > 0, f);
  const gifs = fs.readdirSync(r.files.gifs);
  assert.equal(gifs.length, 6);
  const gif = fs.readFileSync(path.join(r.files.gifs, gifs[0]!));
  assert.equal(gif.toString("latin1", 0, 6), "GIF89a");
  assert.ok(gif.includes(Buffer.from("NETSCAPE2.0")), "the GIF loops");
  const html = fs.readFileSync(r.files.report, "utf8");
  assert.ok(html.includes(RANDOM_WEIGHTS_WARNING));
  assert.ok(!/<(script|img|link)\b[^>]*\b(src|href)="(https?:)?\/\//.test(html), "nothing is loaded from the network");
  for (const id of ["fig-umapByBox", "fig-umapByCluster", "fig-umapByType", "fig-elbow", "fig-tsne2d", "fig-tsne3d"])
    assert.ok(html.includes(`id="${id}"`), id);

  const shot = path.join(out, "shot.png");
  screenshot(r.files.report, shot, { width: 1000, height: 1400 });
  const img = decodePng(fs.readFileSync(shot));
  const colours = new Set<number>();
  let boxBlue = 0;
  const [br, bg, bb] = [1, 3, 5].map((i) => parseInt(boxColor(1).slice(i, i + 2), 16));
  for (let i = 0; i < img.width * img.height; i++) {
    const [pr, pg, pb] = [0, 1, 2].map((c) => img.pixels[i * img.channels + c]!);
    colours.add((pr! << 16) | (pg! << 8) | pb!);
    if (Math.abs(pr! - br!) < 12 && Math.abs(pg! - bg!) < 12 && Math.abs(pb! - bb!) < 12) boxBlue++;
  }
  assert.ok(colours.size > 50, `screenshot has only ${colours.size} colours: blank?`);
  assert.ok(boxBlue > 20, `no markers in the colour of bbox1 (${boxBlue} pixels)`);
});

test("a PyTorch checkpoint gives a pretrained network, named in the run", () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "synapse-pth-")), "vgg3d.pth");
  const source = createVgg3d({ classifier: false, seed: 3 });
  exportStateDict(file, source);
  const net = pretrainedFeatureNetwork(file);
  assert.equal(net.pretrained, true);
  assert.equal(net.weights, file);
  const want = source.features.getLayer("features.0").getWeights()[0]!.dataSync();
  const got = net.net.features.getLayer("features.0").getWeights()[0]!.dataSync();
  assert.deepEqual(Array.from(got), Array.from(want));
  assert.throws(() => pretrainedFeatureNetwork(path.join(path.dirname(file), "missing.pth")), /missing\.pth/);
});
