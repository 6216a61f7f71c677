import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { random } from "../../lib/core";
import { readTiffFile } from "../../lib/io";
import { synthSynapseBox, SYNTHETIC_SYNAPSE_TYPES, writeSyntheticSynapses } from "../../lib/synthetic";

const SMALL = {
  width: 72,
  height: 72,
  depth: 40,
  cells: 5,
  synapses: 2,
  box: 2,
  types: [SYNTHETIC_SYNAPSE_TYPES[0]!, SYNTHETIC_SYNAPSE_TYPES[2]!],
};

test("the same seed gives the same box; another seed another", () => {
  const a = synthSynapseBox(random(11), SMALL);
  const b = synthSynapseBox(random(11), SMALL);
  const c = synthSynapseBox(random(12), SMALL);
  assert.deepEqual(a.synapses, b.synapses);
  assert.ok(Buffer.from(a.raw).equals(Buffer.from(b.raw)) && Buffer.from(a.masks).equals(Buffer.from(b.masks)));
  assert.ok(!Buffer.from(a.raw).equals(Buffer.from(c.raw)));
});

test("each synapse sits on a cleft between two neurons, vesicles on the presynaptic side", () => {
  for (const seed of [1, 2]) {
    const box = synthSynapseBox(random(seed), { ...SMALL, synapses: 2 });
    const { width: W, height: H } = box;
    const at = ([x, y, z]: number[]) => (z! * H + y!) * W + x!;
    assert.deepEqual(box.labels, { mito: [1], vesicle: [3], cleft: [2, 4] });
    for (const s of box.synapses) {
      const pre = box.seg[at(s.presynapticSide === 1 ? s.side1 : s.side2)]!;
      const post = box.seg[at(s.presynapticSide === 1 ? s.side2 : s.side1)]!;
      assert.notEqual(pre, post, s.name);
      let cleft = 0;
      let vesiclesPre = 0;
      let vesiclesPost = 0;
      for (let dz = -12; dz <= 12; dz++) {
        for (let dy = -12; dy <= 12; dy++) {
          for (let dx = -12; dx <= 12; dx++) {
            const i = at([s.centre[0] + dx, s.centre[1] + dy, s.centre[2] + dz]);
            const m = box.masks[i]!;
            if ((m === 2 || m === 4) && Math.max(Math.abs(dx), Math.abs(dy), Math.abs(dz)) <= 2) cleft++;
            if (m === 3) {
              if (box.seg[i] === pre) vesiclesPre++;
              else if (box.seg[i] === post) vesiclesPost++;
            }
          }
        }
      }
      assert.ok(cleft > 0, `${s.name}: no cleft voxel within 2 of the centre`);
      assert.ok(vesiclesPre > 50 && vesiclesPost === 0, `${s.name}: vesicle voxels pre ${vesiclesPre}, post ${vesiclesPost}`);
    }
  }
});

test("types differ in shape: large vesicle clouds are larger than small ones", () => {
  const sizes: Record<string, number[]> = {};
  const box = synthSynapseBox(random(4), { width: 160, height: 160, depth: 64, cells: 10, synapses: 4, box: 1 });
  const { width: W, height: H } = box;
  for (const s of box.synapses) {
    let n = 0;
    for (let dz = -20; dz <= 20; dz++)
      for (let dy = -20; dy <= 20; dy++)
        for (let dx = -20; dx <= 20; dx++) {
          const [x, y, z] = [s.centre[0] + dx, s.centre[1] + dy, s.centre[2] + dz];
          if (x >= 0 && y >= 0 && z >= 0 && x < W && y < H && z < box.depth && box.masks[(z * H + y) * W + x] === 6) n++;
        }
    (sizes[s.type] ??= []).push(n);
  }
  assert.deepEqual(Object.keys(sizes).sort(), SYNTHETIC_SYNAPSE_TYPES.map((t) => t.name).sort());
  assert.ok(sizes["large-shaft"]![0]! > 2 * sizes["small-shaft"]![0]!, JSON.stringify(sizes));
  assert.ok(sizes["large-spine"]![0]! > 2 * sizes["small-spine"]![0]!, JSON.stringify(sizes));
  assert.throws(
    () => synthSynapseBox(random(1), { width: 40, height: 40, depth: 40 }),
    /expected at least 48 x 48 x 32 voxels, found 40 x 40 x 40/,
  );
});

test("writeSyntheticSynapses writes the original layout", () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "synth-syn-"));
  const summary = writeSyntheticSynapses(out, { seed: 1, boxes: 1, synapses: 2, width: 128, height: 128, depth: 40, cells: 8 });
  assert.deepEqual(summary, { boxes: 1, synapses: 2, types: { "small-shaft": 1, "large-shaft": 1 } });
  for (const d of ["raw/bbox1", "seg/bbox1", "masks/bbox_1"]) assert.equal(fs.readdirSync(path.join(out, d)).length, 40, d);
  const seg = readTiffFile(path.join(out, "seg/bbox1/slice_0020.tif"))[0]!;
  assert.ok(seg.data instanceof Uint16Array && seg.width === 128);
  assert.ok(fs.existsSync(path.join(out, "bbox1.xlsx")) && fs.existsSync(path.join(out, "synapse-labels.json")));
});
