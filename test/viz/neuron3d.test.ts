import { test } from "node:test";
import * as assert from "node:assert/strict";
import { readSwc } from "../../lib/io";
import { sampleSurface } from "../../lib/neuron";
import { neuronGrid } from "../../lib/voxel";
import { neuronCloudFigure, neuronSkeletonFigure, neuronVoxelFigure, neuronViewsFigure } from "../../lib/viz";

const M = readSwc(["1 1 0 0 0 2 -1", "2 3 0 10 0 1 1", "3 4 0 -20 0 1 1", "4 2 5 0 0 0.5 1"].join("\n"), "t.swc");

test("the cloud figure draws a seeded subset, grouped by compartment when types are given", () => {
  const s = sampleSurface(M, { count: 5000, random: 1, withTypes: true });
  const f = neuronCloudFigure(s.points, { maxPoints: 1000, types: s.types, soma: s.soma });
  const traces = f.data.filter((t) => t.name !== "soma centre");
  assert.deepEqual(
    traces.map((t) => t.name),
    ["soma", "axon", "basal dendrite", "apical dendrite"],
  );
  assert.equal(
    traces.reduce((n, t) => n + (t.x as number[]).length, 0),
    1000,
  );
  assert.deepEqual(neuronCloudFigure(s.points, { maxPoints: 1000, seed: 4 }), neuronCloudFigure(s.points, { maxPoints: 1000, seed: 4 }));
  const all = neuronCloudFigure(s.points);
  assert.equal((all.data[0]!.x as number[]).length, 5000);
  assert.equal((f.layout.scene as { aspectmode: string }).aspectmode, "data");
});

test("the skeleton figure has one line pair per segment", () => {
  const f = neuronSkeletonFigure(M);
  const lines = f.data.filter((t) => t.mode === "lines");
  assert.equal(
    lines.reduce((n, t) => n + (t.x as unknown[]).length / 3, 0),
    3,
  );
});

test("the voxel figure shows exactly the occupied voxels at their [x][y][z] indices", () => {
  const g = new Uint8Array(8 ** 3);
  g[(1 * 8 + 2) * 8 + 3] = 1;
  g[(7 * 8 + 0) * 8 + 5] = 1;
  const f = neuronVoxelFigure(g, 8);
  assert.deepEqual(
    [f.data[0]!.x, f.data[0]!.y, f.data[0]!.z],
    [
      [1, 7],
      [2, 0],
      [3, 5],
    ],
  );
  assert.throws(() => neuronVoxelFigure(g, 9), /a 9³ grid has 729 voxels, found 512/);
  const cloud = sampleSurface(M, { count: 2000 });
  const v = neuronViewsFigure(
    cloud,
    [16, 32].map((size) => ({ size, data: neuronGrid(cloud, { size }).data })),
  );
  assert.deepEqual([...new Set(v.data.map((t) => t.scene))], ["scene", "scene2", "scene3"]);
  assert.ok(v.layout.scene3);
});
