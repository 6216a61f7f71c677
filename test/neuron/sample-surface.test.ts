import { test } from "node:test";
import * as assert from "node:assert/strict";
import { readSwc } from "../../lib/io";
import { sampleSurface, surfaceArea } from "../../lib/neuron";

// A soma sphere (r = 1) and one frustum along z from (0,0,10) r=1 to (0,0,20) r=3,
// joined to the soma by a cylinder of the neurite's first radius.
const CONE = readSwc(["1 1 0 0 0 1 -1", "2 3 0 0 10 1 1", "3 3 0 0 20 3 2"].join("\n"), "cone.swc");

test("points lie on the sphere and on the tapered cylinder, spread by area", () => {
  const n = 100_000;
  const s = sampleSurface(CONE, { count: n, random: 11 });
  const sphereArea = 4 * Math.PI;
  const linkArea = 2 * Math.PI * 1 * 10;
  const coneArea = Math.PI * (1 + 3) * Math.hypot(10, 2);
  assert.ok(Math.abs(surfaceArea(CONE) - (sphereArea + linkArea + coneArea)) < 1e-9);
  let onCone = 0;
  let zSum = 0;
  for (let i = 0; i < n; i++) {
    const x = s.points[3 * i]!,
      y = s.points[3 * i + 1]!,
      z = s.points[3 * i + 2]!;
    const rho = Math.hypot(x, y);
    const onSphere = Math.abs(Math.hypot(x, y, z) - 1) < 1e-5;
    const onLink = Math.abs(rho - 1) < 1e-5 && z >= -1e-5 && z <= 10 + 1e-5;
    const onFrustum = z >= 10 - 1e-4 && z <= 20 + 1e-4 && Math.abs(rho - (1 + (2 * (z - 10)) / 10)) < 1e-4;
    assert.ok(onSphere || onLink || onFrustum, `point ${i} (${x}, ${y}, ${z}) is on no surface`);
    if (onFrustum && !onLink) {
      onCone++;
      zSum += z;
    }
  }
  const expected = coneArea / (sphereArea + linkArea + coneArea);
  assert.ok(Math.abs(onCone / n - expected) < 0.01, `cone share ${onCone / n}, expected ${expected}`);
  // Density along the axis is proportional to the radius: E[t] = 7/12.
  assert.ok(Math.abs(zSum / onCone - (10 + 70 / 12)) < 0.05, `mean z ${zSum / onCone}`);
});

test("the same seed gives the same points; another seed other points", () => {
  const a = sampleSurface(CONE, { count: 1000, random: 5 });
  const b = sampleSurface(CONE, { count: 1000, random: 5 });
  const c = sampleSurface(CONE, { count: 1000, random: 6 });
  assert.deepEqual(a.points, b.points);
  assert.notDeepEqual(a.points, c.points);
  assert.deepEqual(a.soma, [0, 0, 0]);
});

test("a three-point soma is sampled as one sphere around its root", () => {
  const m = readSwc(["1 1 5 5 5 2 -1", "2 1 5 3 5 2 1", "3 1 5 7 5 2 1"].join("\n"), "three.swc");
  const s = sampleSurface(m, { count: 2000, random: 1 });
  for (let i = 0; i < 2000; i++) {
    const d = Math.hypot(s.points[3 * i]! - 5, s.points[3 * i + 1]! - 5, s.points[3 * i + 2]! - 5);
    assert.ok(Math.abs(d - 2) < 1e-5);
  }
});

test("point types follow the compartment they were sampled from", () => {
  const m = readSwc(["1 1 0 0 0 0 -1", "2 2 0 0 1 1 1", "3 2 0 0 2 1 2", "4 4 0 0 -1 1 1", "5 4 0 0 -2 1 4"].join("\n"), "t.swc");
  const s = sampleSurface(m, { count: 3000, random: 2, withTypes: true });
  for (let i = 0; i < 3000; i++) {
    const z = s.points[3 * i + 2]!;
    assert.equal(s.types![i], z > 0 ? 2 : 4);
  }
});

test("count must be a positive integer", () => {
  assert.throws(() => sampleSurface(CONE, { count: 0 }), /count must be a positive integer, found 0/);
});
