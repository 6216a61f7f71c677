import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { cropSynapse, formatFinding, listBoxes, loadBox, readLabelTable, readSynapseTable } from "../../lib/synapse";
import { SYNTHETIC_SYNAPSE_TYPES, writeSyntheticSynapses } from "../../lib/synthetic";

let dir = "";
const SMALL = {
  seed: 3,
  boxes: 2,
  synapses: 2,
  width: 64,
  height: 64,
  depth: 40,
  cells: 5,
  types: [SYNTHETIC_SYNAPSE_TYPES[0]!, SYNTHETIC_SYNAPSE_TYPES[2]!],
};

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "synapse-box-"));
  writeSyntheticSynapses(dir, SMALL);
});

test("a synthetic box loads from TIFF slices and an Excel table; presynaptic sides match the truth", async () => {
  assert.deepEqual(listBoxes(dir), ["bbox1", "bbox2"]);
  const { box, findings } = await loadBox(dir, "bbox2");
  assert.deepEqual(findings, []);
  assert.ok(box);
  assert.deepEqual([box.raw.width, box.raw.height, box.raw.depth], [64, 64, 40]);
  assert.ok(box.raw.data instanceof Uint8Array && box.seg.data instanceof Uint16Array);
  assert.deepEqual(box.labels, { mito: [1], vesicle: [3], cleft: [2, 4] });
  assert.equal(box.synapses.length, 2);
  for (const s of box.synapses) {
    const { crop } = cropSynapse(box, s, { segType: 10, size: 40, outputSize: 40 });
    assert.equal(String(crop.presynapticSide), s.extra.true_presynaptic_side, s.name);
    assert.ok(crop.voxels.vesicle > 0 && crop.voxels.cleft > 0, `${s.name}: ${JSON.stringify(crop.voxels)}`);
  }
});

test("stacks with different slice counts skip the box with a message naming the counts", async () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "synapse-mismatch-"));
  fs.cpSync(dir, d, { recursive: true });
  fs.rmSync(path.join(d, "seg", "bbox1", "slice_0039.tif"));
  const { box, findings } = await loadBox(d, "bbox1");
  assert.equal(box, null);
  assert.equal(findings.length, 1);
  assert.match(
    formatFinding(findings[0]!),
    /^error: bbox1 slices: slice counts differ: raw 40 \(.*raw\/bbox1\), seg 39 \(.*seg\/bbox1\), masks 40 .*; box skipped$/,
  );
  assert.ok((await loadBox(d, "bbox2")).box, "the other box still loads");
});

test("bad rows skip only their synapse, naming box, synapse and field", async () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "synapse-rows-"));
  fs.cpSync(dir, d, { recursive: true });
  const good = (await readSynapseTable(path.join(dir, "bbox2.xlsx"), "bbox2")).synapses[0]!;
  fs.rmSync(path.join(d, "bbox2.xlsx"));
  const header =
    "Var1,central_coord_1,central_coord_2,central_coord_3,side_1_coord_1,side_1_coord_2,side_1_coord_3,side_2_coord_1,side_2_coord_2,side_2_coord_3,note";
  const row = (name: string, c: string) => [name, c, ...good.side1, ...good.side2, '"a, b"'].join(",");
  fs.writeFileSync(
    path.join(d, "bbox2.csv"),
    [header, row("ok", good.centre.join(",")), row("outside", "10,10,400"), row("text", "10,abc,5")].join("\n") + "\n",
  );
  const { box, findings } = await loadBox(d, "bbox2");
  assert.deepEqual(
    box?.synapses.map((s) => s.name),
    ["ok"],
  );
  assert.equal(box.synapses[0]?.extra.note, "a, b");
  const lines = findings.map(formatFinding);
  assert.deepEqual(lines, [
    'error: bbox2 synapse "text" central_coord_2: bbox2.csv row 4: expected a number, found "abc"; synapse skipped',
    'error: bbox2 synapse "outside" central_coord_1..3: point (10, 10, 400) is outside the volume 64x64x40 (0-based x, y, z); synapse skipped',
  ]);
});

test("a table without a required column, a missing table and a box without labels skip that box", async () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "synapse-cols-"));
  fs.cpSync(dir, d, { recursive: true });
  fs.rmSync(path.join(d, "bbox1.xlsx"));
  fs.writeFileSync(path.join(d, "bbox1.csv"), "Var1,central_coord_1,central_coord_2\ns,1,2\n");
  const r1 = await loadBox(d, "bbox1");
  assert.equal(r1.box, null);
  assert.match(
    formatFinding(r1.findings[0]!),
    /bbox1 table: .*bbox1\.csv:1: missing columns central_coord_3, side_1_coord_1, .*side_2_coord_3 \(found: Var1, central_coord_1, central_coord_2\); box skipped/,
  );
  fs.rmSync(path.join(d, "bbox2.xlsx"));
  assert.match(
    formatFinding((await loadBox(d, "bbox2")).findings[0]!),
    /bbox2 table: no synapse table bbox2\.xlsx or bbox2\.csv in .*; box skipped/,
  );
  fs.writeFileSync(path.join(d, "synapse-labels.json"), JSON.stringify({ boxes: { bbox1: { mito: [1], vesicle: [2], cleft: [3] } } }));
  assert.match(
    formatFinding((await loadBox(d, "bbox2")).findings[0]!),
    /bbox2 labels: bbox2: no mask labels in .*synapse-labels\.json \(boxes there: bbox1\)/,
  );
});

test("the shipped label table holds the original values of all seven boxes", () => {
  const t = readLabelTable();
  assert.deepEqual(Object.keys(t), ["bbox1", "bbox2", "bbox3", "bbox4", "bbox5", "bbox6", "bbox7"]);
  assert.deepEqual(t.bbox3, { mito: [6], vesicle: [7], cleft: [9, 8] });
  assert.deepEqual(t.bbox4, { mito: [3], vesicle: [2], cleft: [1, 4] });
  assert.deepEqual(t.bbox7, { mito: [1], vesicle: [2], cleft: [4, 3] });
  const bad = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "labels-")), "labels.json");
  fs.writeFileSync(bad, JSON.stringify({ boxes: { bbox1: { mito: [1], vesicle: "x", cleft: [2] } } }));
  assert.throws(
    () => readLabelTable(bad),
    /labels\.json: boxes\.bbox1\.vesicle: expected an integer or a non-empty list of integers, found "x"/,
  );
});

/** A minimal NIfTI-1 file (x fastest, like Volume) for the loader test. */
function nifti(v: { width: number; height: number; depth: number; data: Uint8Array | Uint16Array }): Buffer {
  const h = Buffer.alloc(352);
  h.writeInt32LE(348, 0);
  [3, v.width, v.height, v.depth, 1, 1, 1, 1].forEach((d, i) => h.writeInt16LE(d, 40 + 2 * i));
  const u16 = v.data instanceof Uint16Array;
  h.writeInt16LE(u16 ? 512 : 2, 70);
  h.writeInt16LE(u16 ? 16 : 8, 72);
  [1, 1, 1, 1].forEach((p, i) => h.writeFloatLE(p, 76 + 4 * i));
  h.writeFloatLE(352, 108);
  h.writeFloatLE(1, 112);
  h.write("n+1\0", 344, "latin1");
  return Buffer.concat([h, Buffer.from(v.data.buffer, v.data.byteOffset, v.data.byteLength)]);
}

test("boxes given as NIfTI volumes load like TIFF stacks", async () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "synapse-nifti-"));
  fs.cpSync(dir, d, { recursive: true });
  const tiff = (await loadBox(dir, "bbox1")).box!;
  for (const [kind, name, v] of [
    ["raw", "bbox1", tiff.raw],
    ["seg", "bbox1", tiff.seg],
    ["masks", "bbox_1", tiff.masks],
  ] as const) {
    fs.rmSync(path.join(d, kind, name), { recursive: true });
    fs.writeFileSync(
      path.join(d, kind, `${name}.nii`),
      nifti(v as { width: number; height: number; depth: number; data: Uint8Array | Uint16Array }),
    );
  }
  assert.deepEqual(listBoxes(d), ["bbox1", "bbox2"]);
  const { box, findings } = await loadBox(d, "bbox1");
  assert.deepEqual(findings, []);
  assert.ok(box);
  assert.match(box.raw.source, /raw\/bbox1\.nii$/);
  for (const k of ["raw", "seg", "masks"] as const) {
    assert.deepEqual([box[k].width, box[k].height, box[k].depth], [tiff[k].width, tiff[k].height, tiff[k].depth]);
    assert.ok(Buffer.from(box[k].data.buffer).equals(Buffer.from(tiff[k].data.buffer)), k);
  }
  const a = cropSynapse(tiff, tiff.synapses[0]!, { segType: 5, size: 40, outputSize: 40 }).crop;
  const b = cropSynapse(box, box.synapses[0]!, { segType: 5, size: 40, outputSize: 40 }).crop;
  assert.deepEqual(Array.from(b.mask), Array.from(a.mask));
});
