import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { Random } from "../../lib/core";
import { centre, normalise, sampleSurface } from "../../lib/neuron";
import { voxelize, voxelIndex, countOccupied, occupiedBounds, neuronGrid, packBits } from "../../lib/voxel";
import { readNpzFile, readSwcFile } from "../../lib/io";

const REAL = path.resolve(__dirname, "../fixtures/swc/real-sample");

function randomCloud(rng: Random, n: number, spans: [number, number, number]): Float32Array {
  const p = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) for (let a = 0; a < 3; a++) p[3 * i + a] = rng.uniform(-1, 1) * spans[a]!;
  return normalise(p);
}

const setVoxels = (data: Uint8Array): number[] => [...data.keys()].filter((i) => data[i] !== 0);

test("every point sets the voxel floor((p - p_min) / voxel) shifted by the padding, and nothing else is set", () => {
  const rng = new Random(42);
  for (const size of [8, 13, 64]) {
    for (let trial = 0; trial < 6; trial++) {
      const spans: [number, number, number] = [rng.uniform(0.05, 1), rng.uniform(0.05, 1), rng.uniform(0.05, 1)];
      const pts = randomCloud(rng, 1 + rng.int(3000), spans);
      const g = voxelize(pts, size);
      const min = [Infinity, Infinity, Infinity];
      for (let i = 0; i < pts.length; i++) min[i % 3] = Math.min(min[i % 3]!, pts[i]!);
      const voxel = 2 / size;
      const expected = new Set<number>();
      for (let i = 0; i < pts.length; i += 3) {
        const idx = [0, 1, 2].map((a) => Math.min(size - 1, Math.floor((pts[i + a]! - min[a]!) / voxel)) + g.padLow[a]!);
        const at = voxelIndex(size, idx[0]!, idx[1]!, idx[2]!);
        assert.equal(g.data[at], 1);
        expected.add(at);
      }
      assert.equal(countOccupied(g.data), expected.size);
      assert.equal(g.clipped, 0);
      // The block sits where the padding says; the smaller half of the padding is below.
      const b = occupiedBounds(g.data, size)!;
      for (let a = 0; a < 3; a++) {
        assert.equal(b.lo[a], g.padLow[a]);
        assert.equal(b.hi[a], g.padLow[a]! + g.extent[a]!);
        const high = size - g.extent[a]! - g.padLow[a]!;
        assert.ok(g.padLow[a]! === high || g.padLow[a]! === high - 1, `axis ${a}: low ${g.padLow[a]} high ${high}`);
      }
    }
  }
});

test("a point on the upper boundary lands in the last voxel", () => {
  const pts = Float32Array.from([-1, 0, 0, 1, 0, 0]);
  const g = voxelize(pts, 4);
  assert.deepEqual(g.extent, [4, 1, 1]);
  assert.deepEqual(g.padLow, [0, 1, 1]);
  assert.deepEqual(setVoxels(g.data), [voxelIndex(4, 0, 1, 1), voxelIndex(4, 3, 1, 1)]);
  assert.equal(g.clipped, 0);
});

test("the grid is indexed [x][y][z] with the point cloud's first coordinate first", () => {
  // Points along x only, on 5 voxel centres of a 8³ grid (voxel 0.25).
  const pts = new Float32Array(15);
  for (let i = 0; i < 5; i++) pts[3 * i] = 0.125 + 0.25 * i;
  const g = voxelize(pts, 8);
  assert.deepEqual(g.extent, [5, 1, 1]);
  assert.deepEqual(g.padLow, [1, 3, 3]);
  for (let x = 0; x < 8; x++) assert.equal(g.data[x * 64 + 3 * 8 + 3], x >= 1 && x <= 5 ? 1 : 0);
  assert.equal(countOccupied(g.data), 5);
});

test("an odd padding puts the extra voxel on the high side", () => {
  // Extent 2 in a 5-voxel axis: 3 voxels of padding, 1 below and 2 above.
  const g = voxelize(Float32Array.from([0, 0, 0, 0.5, 0.5, 0.5]), 5);
  assert.deepEqual(g.extent, [2, 2, 2]);
  assert.deepEqual(g.padLow, [1, 1, 1]);
});

test("points beyond [-1, 1] (dataset constants that do not cover a shape) are clamped and counted", () => {
  const g = voxelize(Float32Array.from([-1, 0, 0, 1.5, 0, 0]), 4);
  assert.equal(g.clipped, 1);
  assert.deepEqual(setVoxels(g.data), [voxelIndex(4, 0, 1, 1), voxelIndex(4, 3, 1, 1)]);
});

test("out is reused and cleared; bad input is refused", () => {
  const out = new Uint8Array(64).fill(1);
  const g = voxelize(Float32Array.from([0, 0, 0]), 4, { out });
  assert.equal(g.data, out);
  assert.equal(countOccupied(out), 1);
  assert.throws(() => voxelize(new Float32Array(0), 4), /non-empty cloud/);
  assert.throws(() => voxelize(Float32Array.from([NaN, 0, 0]), 4), /NaN/);
  assert.throws(() => voxelize(Float32Array.from([0, 0, 0]), 0), /size must be a positive integer, found 0/);
  assert.throws(() => voxelize(Float32Array.from([0, 0, 0]), 4, { out: new Uint8Array(8) }), /out must hold 64 voxels, found 8/);
});

test("a single point gives exactly one voxel in the middle", () => {
  const g = voxelize(Float32Array.from([0.3, -0.2, 0.9]), 64);
  assert.equal(countOccupied(g.data), 1);
  assert.equal(g.data[voxelIndex(64, 31, 31, 31)], 1);
});

test("every real neuron voxelises to a non-empty grid that fills most of the width on its widest axis", () => {
  for (const f of ["p19.CNG.swc", "axon_10-LM-HiDe.CNG.swc", "ok_m211mod.CNG.swc", "LLR7G-1.CNG.swc"]) {
    const m = readSwcFile(path.join(REAL, f));
    const cloud = sampleSurface(m, { count: 20_000, random: 1 });
    for (const size of [64, 128]) {
      const g = neuronGrid(cloud, { size });
      assert.equal(g.data.length, size ** 3);
      assert.ok(countOccupied(g.data) > size, `${f} at ${size}: ${countOccupied(g.data)} voxels`);
      // One scale for all axes after centring on the soma: the widest axis covers
      // the range unless the overall min and max fall on different axes.
      assert.ok(Math.max(...g.extent) > size / 2 && Math.max(...g.extent) <= size, `${f}: extent ${g.extent.join(",")}`);
    }
  }
});

test("neuronGrid centres on the soma and needs one unless told otherwise", () => {
  const pts = Float32Array.from([0, 0, 0, 2, 0, 0, 0, 1, 0]);
  assert.throws(() => neuronGrid({ points: pts }, { size: 8 }), /needs the soma position/);
  const g = neuronGrid({ points: pts }, { size: 8, centre: "mean" });
  assert.equal(countOccupied(g.data), 3);
  assert.throws(
    () => neuronGrid({ points: pts }, { centre: "middle" as never }),
    /centre: expected one of "soma", "mean", "soma-xz", "none"; found "middle"/,
  );
});

test("the grid matches numpy's reference voxelisation of the same cloud, and its packbits", () => {
  const ref = readNpzFile(path.resolve(__dirname, "../fixtures/io/voxel_reference.npz"));
  const cloud = ref.get("cloud").data as Float32Array;
  const grid = ref.get("grid");
  assert.deepEqual(grid.shape, [16, 16, 16]);
  const g = voxelize(cloud, 16);
  assert.deepEqual(g.data, grid.data);
  assert.deepEqual(packBits(g.data), ref.get("packed").data);
});

test("neuronGrid's fused passes give exactly voxelize(normalise(centre(points)))", () => {
  const rng = new Random(8);
  for (const f of ["LLC7B-1.CNG.swc", "Purkinje-slice-ageP43-6.CNG.swc", "ok_m116mod.CNG.swc"]) {
    const cloud = sampleSurface(readSwcFile(path.join(REAL, f)), { count: 30_000, random: rng });
    for (const mode of ["soma", "mean", "soma-xz", "none"] as const) {
      for (const range of [undefined, { min: -2000, max: 2500 }]) {
        for (const size of [16, 64, 128]) {
          const fused = neuronGrid(cloud, { size, centre: mode, range });
          const steps = voxelize(normalise(centre(cloud.points, mode, cloud.soma), range), size);
          assert.deepEqual(fused.extent, steps.extent, `${f} ${mode} ${size}`);
          assert.deepEqual(fused.padLow, steps.padLow);
          assert.equal(fused.clipped, steps.clipped);
          assert.ok(
            fused.data.every((v, i) => v === steps.data[i]),
            `${f} ${mode} ${size}: grids differ`,
          );
        }
      }
    }
  }
  assert.equal(countOccupied(neuronGrid({ points: Float32Array.from([1, 1, 1, 1, 1, 1]), soma: [0, 0, 0] }, { size: 8 }).data), 1);
});
