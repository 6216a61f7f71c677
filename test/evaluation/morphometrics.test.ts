import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { cloudMorphometrics, shollProfile, swcMorphometrics } from "../../lib/evaluation";
import { readSwc, readSwcFile } from "../../lib/io";
import { childCounts, morphology, morphologyBounds, treeOrder } from "../../lib/neuron";
import { random } from "../../lib/core";
import { REAL_NEURONS as REAL, realNeuronLabels } from "../helpers/real-neurons";

/**
 * A Y-shaped neuron: a soma of radius 5 at the origin, a stem from (0,10,0)
 * to the branch point (0,30,0), then branches to (30,70,0) (length 50, a
 * 3-4-5 triangle) and to (-12,46,0) (length 20). Radii 1 along the neurites.
 * Written children first, so the parents come after the samples naming them.
 */
const Y_SWC = `# id type x y z radius parent
5 3 -12 46 0 1 3
4 3 30 70 0 1 3
3 3 0 30 0 1 2
2 3 0 10 0 1 1
1 1 0 0 0 5 -1
`;

test("swcMorphometrics of a Y-shaped neuron: every number worked out by hand", () => {
  const f = swcMorphometrics(readSwc(Y_SWC, "y.swc"), { shollStep: 10 });
  const close = (key: keyof typeof f, want: number) => assert.ok(Math.abs(f[key] - want) < 1e-9, `${key}: ${f[key]} != ${want}`);
  // Cable: 20 + 50 + 20; the link from the soma to the stem's first sample is not cable.
  close("total_length", 90);
  close("extent_x", 42);
  close("extent_y", 70);
  close("extent_z", 0);
  close("branch_points", 1);
  close("tips", 2);
  close("stems", 1);
  // Three branches (stem, two daughters): 90 / 3.
  close("mean_branch_length", 30);
  // Along the tree from the soma centre: 10 + 20 + 50.
  close("max_path_distance", 80);
  close("max_radial_distance", Math.hypot(30, 70));
  close("max_branch_order", 1);
  // Soma sphere 4π·5² plus cylinders of radius 1 over 10 + 90 µm: 100π + 200π.
  close("surface_area", 300 * Math.PI);
  // Shells 10..70: the stem crosses 20 and 30, the long branch 40..70, the short one 40.
  close("sholl_peak", 2);
  close("sholl_peak_radius", 40);
  close("sholl_mean", 1);
  close("sholl_ramification", 2);
});

test("shollProfile of the Y neuron counts the segments that cross each sphere", () => {
  const p = shollProfile(readSwc(Y_SWC, "y.swc"), 10);
  assert.deepEqual(Array.from(p.radii), [10, 20, 30, 40, 50, 60, 70]);
  assert.deepEqual(Array.from(p.intersections), [0, 1, 1, 2, 1, 1, 1]);
  assert.throws(() => shollProfile(readSwc(Y_SWC, "y.swc"), 0), /step between radii must be > 0, found 0/);
});

test("treeOrder puts every parent before its children, and refuses a cycle", () => {
  const m = readSwc(Y_SWC, "y.swc");
  const order = Array.from(treeOrder(m));
  assert.deepEqual([...order].sort(), [0, 1, 2, 3, 4]);
  for (let i = 0; i < m.count; i++) if (m.parents[i]! >= 0) assert.ok(order.indexOf(m.parents[i]!) < order.indexOf(i));
  const cyclic = { ...m, parents: Int32Array.from([1, 0, -1, 2, 3]) };
  assert.throws(() => treeOrder(cyclic), /2 samples are not reachable from a root/);
});

test("swcMorphometrics on the twelve NeuroMorpho neurons: the tree's identities hold, and file order does not matter", () => {
  for (const { file, family } of realNeuronLabels()) {
    const m = readSwcFile(path.join(REAL, file));
    const f = swcMorphometrics(m);
    for (const [k, v] of Object.entries(f)) assert.ok(Number.isFinite(v) && v >= 0, `${file} ${k} = ${v}`);
    // Every branch point adds (children − 1) tips to the one tip each stem would have alone.
    const children = childCounts(m);
    let extra = 0;
    for (let i = 0; i < m.count; i++) if (m.types[i] !== 1 && children[i]! >= 2) extra += children[i]! - 1;
    assert.equal(f.tips, f.stems + extra, `${file}: tips`);
    const { min, max } = morphologyBounds(m);
    assert.equal(f.extent_x, max[0] - min[0]);
    // A path along the tree is never shorter than the straight line.
    assert.ok(
      f.max_path_distance >= f.max_radial_distance - 1e-9,
      `${file}: path ${f.max_path_distance} < radial ${f.max_radial_distance}`,
    );
    // Each branch ends at a branch point or tip that is not a stem's first sample.
    let stemEnds = 0;
    for (let i = 0; i < m.count; i++)
      if (m.types[i] !== 1 && (m.parents[i]! < 0 || m.types[m.parents[i]!] === 1) && children[i] !== 1) stemEnds++;
    const branches = f.branch_points + f.tips - stemEnds;
    assert.ok(Math.abs(f.mean_branch_length * branches - f.total_length) < 1e-6 * f.total_length, `${file}: mean branch length`);
    assert.ok(Math.abs(f.sholl_ramification - f.sholl_peak / f.stems) < 1e-12);
    // Purkinje dendrites, climbing-fibre and interneuron axons grow from one stem; motoneurons from several.
    if (family === "spinal_motoneurons") assert.ok(f.stems > 1, `${file}: ${f.stems} stems`);
    else assert.equal(f.stems, 1, `${file}: stems`);

    // The same neuron written in a shuffled order (parents after children) measures the same.
    const perm = random(7).permutation(m.count);
    const where = new Int32Array(m.count);
    perm.forEach((src, dst) => (where[src] = dst));
    const shuffled = morphology({
      types: Array.from(perm, (i) => m.types[i]!),
      positions: Array.from({ length: 3 * m.count }, (_, t) => m.positions[3 * perm[Math.floor(t / 3)]! + (t % 3)]!),
      radii: Array.from(perm, (i) => m.radii[i]!),
      parents: Array.from(perm, (i) => (m.parents[i]! < 0 ? -1 : where[m.parents[i]!]!)),
    });
    const g = swcMorphometrics(shuffled);
    for (const k of Object.keys(f) as Array<keyof typeof f>) {
      assert.ok(Math.abs(f[k] - g[k]) <= 1e-9 * Math.max(1, f[k]), `${file} ${k}: ${f[k]} vs ${g[k]} shuffled`);
    }
  }
});

test("cloudMorphometrics: extents, principal spreads and radius of gyration of a box of points", () => {
  // A grid of points on a 40 × 20 × 10 box: spreads along x, y, z are the uniform grids' standard deviations.
  const pts: number[] = [];
  const axis = (n: number, len: number) => Array.from({ length: n }, (_, i) => (len * i) / (n - 1));
  const xs = axis(21, 40),
    ys = axis(11, 20),
    zs = axis(6, 10);
  for (const x of xs) for (const y of ys) for (const z of zs) pts.push(x, y, z);
  const f = cloudMorphometrics(Float32Array.from(pts));
  const sd = (v: number[]) => {
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
  };
  const n = pts.length / 3;
  const sample = (v: number[]) => sd(v) * Math.sqrt(n / (n - 1));
  assert.deepEqual([f.extent_x, f.extent_y, f.extent_z], [40, 20, 10]);
  const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-4 * b, `${what}: ${a} != ${b}`);
  close(f.axis_1, sample(xs), "axis 1");
  close(f.axis_2, sample(ys), "axis 2");
  close(f.axis_3, sample(zs), "axis 3");
  close(f.axis_ratio_2_1, sample(ys) / sample(xs), "ratio 2/1");
  close(f.radius_of_gyration, Math.hypot(sd(xs), sd(ys), sd(zs)), "radius of gyration");
});
