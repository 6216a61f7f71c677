import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Random } from "../../lib/core";
import { readSwcFile } from "../../lib/io";
import { sampleSurface } from "../../lib/neuron";
import { openDataset, loadPointCloud } from "../../lib/dataset";
import { synthNeurons, synthNeuron, NEURON_CLASSES, layerAt } from "../../lib/synthetic";
import type { NeuronClass } from "../../lib/synthetic";

/**
 * A rotation- and scale-free description of a shape: a 2-D histogram of the
 * surface points over height relative to the soma and distance from the
 * vertical through it, both divided by the neuron's largest distance.
 */
function profile(points: Float32Array, soma: [number, number, number]): Float64Array {
  const bins = 8;
  let maxD = 0;
  for (let i = 0; i < points.length; i += 3) {
    maxD = Math.max(maxD, Math.hypot(points[i]! - soma[0], points[i + 1]! - soma[1], points[i + 2]! - soma[2]));
  }
  const h = new Float64Array(2 * bins * bins);
  for (let i = 0; i < points.length; i += 3) {
    const dy = (points[i + 1]! - soma[1]) / maxD; // -1..1
    const r = Math.hypot(points[i]! - soma[0], points[i + 2]! - soma[2]) / maxD; // 0..1
    const a = Math.min(2 * bins - 1, Math.floor(((dy + 1) / 2) * 2 * bins));
    const b = Math.min(bins - 1, Math.floor(r * bins));
    h[a * bins + b]! += 3 / points.length;
  }
  return h;
}

test("classes differ in shape: 1-nearest-neighbour on scale-free profiles tells them apart", () => {
  const perClass = 4;
  const items: Array<{ cls: NeuronClass; p: Float64Array }> = [];
  NEURON_CLASSES.forEach((cls, c) => {
    for (let k = 0; k < perClass; k++) {
      const rng = new Random(1000 * c + k);
      const { morphology } = synthNeuron(cls, rng);
      const s = sampleSurface(morphology, { count: 4000, random: rng });
      items.push({ cls, p: profile(s.points, s.soma) });
    }
  });
  let correct = 0;
  for (let i = 0; i < items.length; i++) {
    let best = -1,
      bestD = Infinity;
    for (let j = 0; j < items.length; j++) {
      if (j === i) continue;
      let d = 0;
      for (let k = 0; k < items[i]!.p.length; k++) d += (items[i]!.p[k]! - items[j]!.p[k]!) ** 2;
      if (d < bestD) [best, bestD] = [j, d];
    }
    if (items[best]!.cls === items[i]!.cls) correct++;
  }
  const accuracy = correct / items.length;
  // Chance is 1/8; size is divided out, so this measures arrangement.
  assert.ok(accuracy >= 0.75, `leave-one-out accuracy ${accuracy}`);
});

test("pyramidal apicals reach the layer they should, the soma depth gives the layer label", () => {
  const top = (cls: NeuronClass, seed: number): { top: number; depth: number; layer: string } => {
    const { morphology: m, depth, layer } = synthNeuron(cls, new Random(seed));
    let minY = Infinity;
    for (let i = 0; i < m.count; i++) if (m.types[i] === 4) minY = Math.min(minY, m.positions[3 * i + 1]!);
    return { top: minY, depth, layer };
  };
  for (let s = 0; s < 3; s++) {
    const l23 = top("pyramidal_l23", s),
      l5 = top("pyramidal_l5", s),
      l6 = top("pyramidal_l6", s),
      l4 = top("pyramidal_l4", s);
    assert.equal(l23.layer, "L2/3");
    assert.equal(l5.layer, "L5");
    assert.equal(l6.layer, "L6");
    assert.equal(l4.layer, "L4");
    assert.ok(l5.top < 100 && l5.top > -20, `L5 tuft top ${l5.top} should be in L1`);
    assert.ok(l23.top < 100 && l23.top > -20, `L2/3 tuft top ${l23.top}`);
    assert.ok(l6.top > 300 && l6.top < 500, `L6 apical ends at ${l6.top}, expected in L4`);
    assert.ok(l4.top > 120 && l4.top < 320, `L4 apical ends at ${l4.top}, expected in L2/3`);
  }
  assert.deepEqual(
    [layerAt(50), layerAt(150), layerAt(400), layerAt(500), layerAt(800), layerAt(2000)],
    ["L1", "L2/3", "L4", "L5", "L6", "L6"],
  );
});

test("synthNeurons writes SWC, upstream npz clouds and a dataset manifest, reproducibly", async () => {
  const a = fs.mkdtempSync(path.join(os.tmpdir(), "synth-"));
  const b = fs.mkdtempSync(path.join(os.tmpdir(), "synth-"));
  const res = await synthNeurons({ out: a, count: 10, seed: 5, points: 3000, grids: [16] });
  await synthNeurons({ out: b, count: 10, seed: 5, points: 3000 });
  const ds = openDataset(a);
  assert.equal(ds.rows.length, 10);
  assert.deepEqual(ds.info.labelColumns, ["class", "layer", "depth"]);
  assert.deepEqual([ds.ids("train").length, ds.ids("val").length, ds.ids("test").length], [8, 1, 1]);
  assert.equal(new Set(ds.rows.map((r) => r.labels.class)).size, 8);
  assert.equal(res.cache!.built, 10);
  for (const r of ds.rows) {
    const m = readSwcFile(path.join(a, "swc", `${r.id}.swc`));
    // The soma in the manifest is the skeleton's, and the cloud sits around it.
    for (let k = 0; k < 3; k++) assert.ok(Math.abs(m.soma[k]! - r.soma![k]!) < 1e-2);
    const cloud = loadPointCloud(ds.sourceFile(r.id), { npzScale: 1000 });
    assert.equal(cloud.points.length, 9000);
    assert.equal(r.labels.layer, layerAt(Number(r.labels.depth)));
    assert.ok(ds.grid(r.id, 16).some((v) => v === 1));
    assert.deepEqual(fs.readFileSync(path.join(a, r.source)), fs.readFileSync(path.join(b, r.source)), "same seed, same bytes");
  }
  assert.deepEqual(fs.readFileSync(path.join(a, "manifest.csv")), fs.readFileSync(path.join(b, "manifest.csv")));
});
