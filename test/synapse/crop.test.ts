import { test } from "node:test";
import * as assert from "node:assert/strict";
import { closestComponent, cropSynapse, resizeSlices } from "../../lib/synapse";
import type { SynapseBox, SynapseRecord } from "../../lib/synapse";

/*
 * A hand-built 8³ box (labels of bbox2: mito 1, vesicle 3, cleft 2 and 4).
 * Segment 11 fills x < 4, segment 22 fills x > 4, x = 4 is the cleft plane.
 * Each mask label has one component near the centre (4, 4, 4) and a decoy far
 * away, so "closest component" is checked voxel by voxel.
 */
const N = 8;
type P = [number, number, number];
const key = ([x, y, z]: P) => (z * N + y) * N + x;
const A: P[] = [];
const B: P[] = [];
for (let z = 0; z < N; z++) for (let y = 0; y < N; y++) for (let x = 0; x < N; x++) (x < 4 ? A : x > 4 ? B : []).push([x, y, z]);
const cleft2: P[] = [
  [4, 3, 3],
  [4, 4, 3],
  [4, 3, 4],
  [4, 4, 4],
];
const cleft4: P[] = [[4, 5, 4]];
const vesicle: P[] = [
  [6, 3, 4],
  [6, 4, 4],
  [6, 5, 4],
];
const mito: P[] = [
  [1, 6, 6],
  [2, 6, 6],
];
const decoys: Array<[P, number]> = [
  [[4, 0, 7], 2],
  [[4, 7, 0], 4],
  [[0, 0, 0], 3],
  [[7, 0, 0], 1],
];

function box(): SynapseBox {
  const raw = new Uint8Array(N ** 3).map((_, i) => i % 256);
  const seg = new Uint16Array(N ** 3);
  for (const p of A) seg[key(p)] = 11;
  for (const p of B) seg[key(p)] = 22;
  const masks = new Uint8Array(N ** 3);
  for (const [list, v] of [
    [cleft2, 2],
    [cleft4, 4],
    [vesicle, 3],
    [mito, 1],
  ] as Array<[P[], number]>)
    for (const p of list) masks[key(p)] = v;
  for (const [p, v] of decoys) masks[key(p)] = v;
  const vol = (data: Uint8Array | Uint16Array, source: string) => ({ width: N, height: N, depth: N, data, source });
  return {
    name: "bbox2",
    raw: vol(raw, "raw"),
    seg: vol(seg, "seg"),
    masks: vol(masks, "masks"),
    rawRange: [0, 255],
    labels: { mito: [1], vesicle: [3], cleft: [2, 4] },
    synapses: [],
  };
}

function synapse(side1: P, side2: P, centre: P = [4, 4, 4]): SynapseRecord {
  return { box: "bbox2", name: "s1", centre, side1, side2, extra: {}, row: 2 };
}

const union = (...lists: P[][]) => new Set(lists.flat().map(key));
const ALL = new Set(Array.from({ length: N ** 3 }, (_, i) => i));
const EXPECTED: Record<number, Set<number>> = {
  0: ALL,
  1: union(B),
  2: union(A),
  3: union(A, B),
  4: union(vesicle, cleft2, cleft4),
  5: union(A, B, vesicle, cleft2, cleft4),
  6: union(vesicle),
  7: union(cleft2, cleft4),
  8: union(mito),
  9: union(vesicle, cleft2, cleft4),
  10: union(cleft2, cleft4, B),
};

for (const [type, want] of Object.entries(EXPECTED)) {
  test(`segmentation type ${type}: mask and blending are right voxel by voxel`, () => {
    const { crop } = cropSynapse(box(), synapse([1, 1, 1], [6, 6, 6]), {
      size: N,
      outputSize: N,
      segType: Number(type),
      alpha: 0.5,
      gray: 0.6,
    });
    assert.equal(crop.presynapticSide, 2);
    for (let i = 0; i < N ** 3; i++) {
      const inMask = want.has(i);
      assert.equal(crop.mask[i], inMask ? 1 : 0, `voxel ${i % N},${Math.floor(i / N) % N},${Math.floor(i / N / N)}`);
      const raw = (i % 256) / 255;
      assert.ok(Math.abs(crop.raw[i]! - raw) < 1e-6);
      const blended = inMask ? raw : 0.5 * 0.6 + 0.5 * raw;
      assert.ok(Math.abs(crop.blended[i]! - blended) < 1e-6, `blended voxel ${i}: ${crop.blended[i]} vs ${blended}`);
    }
  });
}

test("presynapse follows the vesicle cloud when the sides are swapped; alpha 1 is flat gray", () => {
  const { crop } = cropSynapse(box(), synapse([6, 6, 6], [1, 1, 1]), { size: N, segType: 1, alpha: 1, outputSize: N });
  assert.equal(crop.presynapticSide, 1);
  assert.deepEqual(
    [...crop.mask].map((m, i) => (m ? i : -1)).filter((i) => i >= 0),
    [...union(B)].sort((a, b) => a - b),
  );
  const outside = [...crop.blended].filter((_, i) => !crop.mask[i]);
  assert.ok(outside.every((v) => Math.abs(v - 0.6) < 1e-6));
});

test("crops near the border are clipped and padded so the centre stays in the middle", () => {
  const { crop } = cropSynapse(box(), synapse([1, 1, 1], [6, 6, 6], [0, 0, 0]), { size: 6, outputSize: 6, segType: 0 });
  const at = (x: number, y: number, z: number) => crop.raw[(z * 6 + y) * 6 + x]!;
  assert.ok(Math.abs(at(4, 3, 3) - 1 / 255) < 1e-6); // global (1,0,0): the centre (0,0,0) sits at crop (3,3,3)
  assert.ok(Math.abs(at(5, 4, 3) - (2 + 8) / 255) < 1e-6); // global (2,1,0)
  assert.equal(at(0, 0, 0), 0);
  assert.equal(at(2, 5, 5), 0); // padding
});

test("a background side point and a missing vesicle cloud are findings, not failures", () => {
  const b = box();
  b.masks.data.fill(0);
  const { crop, findings } = cropSynapse(b, synapse([4, 6, 6], [6, 6, 6]), { size: N, outputSize: N, segType: 3 });
  assert.equal(crop.voxels.side1, 0);
  assert.ok(findings.some((f) => f.field === "side_1_coord_1..3" && /segment id at \(4, 6, 6\) is 0/.test(f.message)));
  assert.ok(findings.some((f) => /no vesicle cloud voxels inside the 8³ crop/.test(f.message)));
  assert.ok(findings.some((f) => f.field === "presynapse" && /side 1 taken as presynaptic/.test(f.message)));
  assert.throws(
    () => cropSynapse(b, synapse([1, 1, 1], [6, 6, 6]), { segType: 11 }),
    /segType: expected one of 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, found 11/,
  );
  assert.throws(() => cropSynapse(b, synapse([1, 1, 1], [6, 6, 6]), { alpha: 2 }), /alpha: expected a number in \[0, 1\], found 2/);
});

test("closest component uses 26-connectivity and picks the one nearest the point", () => {
  const dims = { width: 5, height: 5, depth: 5 };
  const m = new Uint8Array(125);
  const at = (x: number, y: number, z: number) => (z * 5 + y) * 5 + x;
  m[at(0, 0, 0)] = m[at(1, 1, 1)] = m[at(2, 2, 2)] = 1; // diagonal chain: one component
  m[at(4, 4, 0)] = 1;
  const c = closestComponent(m, dims, [3, 3, 3]);
  assert.equal(c.components, 2);
  assert.deepEqual(
    [...c.mask].map((v, i) => (v ? i : -1)).filter((i) => i >= 0),
    [at(0, 0, 0), at(1, 1, 1), at(2, 2, 2)],
  );
  assert.ok(Math.abs(c.distance - Math.sqrt(3)) < 1e-12);
  assert.equal(closestComponent(new Uint8Array(125), dims, [0, 0, 0]).components, 0);
});

test("slice resizing keeps the size when equal and interpolates bilinearly otherwise", () => {
  const v = Float32Array.of(0, 1, 2, 3);
  assert.equal(resizeSlices(v, 2, 2, 1), v);
  const up = resizeSlices(v, 2, 4, 1);
  assert.deepEqual(Array.from(up.slice(0, 4)), [0, 0.25, 0.75, 1]);
  assert.deepEqual(Array.from(up.slice(12, 16)), [2, 2.25, 2.75, 3]);
});
