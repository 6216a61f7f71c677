import { test } from "node:test";
import * as assert from "node:assert/strict";
import { Random } from "../../lib/core";
import { packBits, unpackBits, cropBlock, cropMargin, occupiedBounds, voxelIndex } from "../../lib/voxel";

test("packBits uses numpy's packbits layout (most significant bit first)", () => {
  assert.deepEqual(Array.from(packBits(Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 1, 1]))), [0x81, 0x80]);
  assert.deepEqual(Array.from(packBits(Uint8Array.from([0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 7]))), [0x5f, 0x03]);
});

test("unpackBits inverts packBits for any length", () => {
  const rng = new Random(3);
  for (const n of [1, 7, 8, 9, 64, 1000, 4096 + 5]) {
    const a = new Uint8Array(n);
    for (let i = 0; i < n; i++) a[i] = rng.next() < 0.3 ? 1 : 0;
    const packed = packBits(a);
    assert.equal(packed.length, Math.ceil(n / 8));
    assert.deepEqual(unpackBits(packed, n), a);
    const out = new Uint8Array(n).fill(9);
    assert.deepEqual(unpackBits(packed, n, out), a);
    const floats = new Float32Array(n).fill(9);
    assert.deepEqual(unpackBits(packed, n, floats), Float32Array.from(a), "into a float batch: the same 0/1");
  }
  assert.throws(() => unpackBits(new Uint8Array(1), 9), /9 voxels need 2 bytes, found 1/);
});

test("cropMargin cuts floor(fraction * size) from each side and keeps [x][y][z] order", () => {
  const size = 10;
  const g = new Uint8Array(1000);
  g[voxelIndex(size, 1, 2, 3)] = 1;
  g[voxelIndex(size, 0, 5, 5)] = 1; // inside the cut margin
  const c = cropMargin(g, size, 0.1);
  assert.deepEqual(c.shape, [8, 8, 8]);
  assert.equal(c.data[(0 * 8 + 1) * 8 + 2], 1);
  assert.equal(
    c.data.reduce((s, v) => s + v, 0),
    1,
  );
  assert.throws(() => cropMargin(g, size, 0.5), /fraction must be in \[0, 0.5\)/);
});

test("cropBlock clamps to the grid and occupiedBounds finds the box", () => {
  const size = 6;
  const g = new Uint8Array(216);
  g[voxelIndex(size, 2, 3, 4)] = 1;
  g[voxelIndex(size, 4, 1, 2)] = 1;
  assert.deepEqual(occupiedBounds(g, size), { lo: [2, 1, 2], hi: [5, 4, 5] });
  assert.equal(occupiedBounds(new Uint8Array(216), size), null);
  const b = cropBlock(g, size, [2, 1, 2], [99, 4, 5]);
  assert.deepEqual(b.shape, [4, 3, 3]);
  assert.equal(b.data[(0 * 3 + 2) * 3 + 2], 1);
  assert.equal(b.data[(2 * 3 + 0) * 3 + 0], 1);
});
