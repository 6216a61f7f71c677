import { test } from "node:test";
import * as assert from "node:assert/strict";
import { categoricalMap, continuousMap, LAYER_COLORS } from "../../lib/viz";

const points = [
  [0, 0],
  [1, 2],
  [2, 1],
  [3, 3],
  [4, 0],
  [5, 5],
];
const ids = ["n0", "n1", "n2", "n3", "n4", "n5"];

test("categoricalMap: one trace per layer in natural order, fixed layer colours, counts in the legend", () => {
  const f = categoricalMap(points, ["L5", "L2/3", "L10", "L5", "", "L4"], { ids, colorName: "layer", title: "Dense-64" });
  assert.deepEqual(
    f.data.map((t) => t.name),
    ["L2/3 (1)", "L4 (1)", "L5 (2)", "L10 (1)", "unknown (1)"],
  );
  const colour = (i: number) => (f.data[i]!.marker as { color: string }).color;
  assert.equal(colour(0), LAYER_COLORS["L2/3"]);
  assert.equal(colour(2), LAYER_COLORS["L5"]);
  assert.equal(colour(4), "#bbbbbb");
  assert.deepEqual(f.data[2]!.x, [0, 3]);
  assert.deepEqual(f.data[2]!.y, [0, 3]);
  assert.match((f.data[2]!.text as string[])[1]!, /<b>n3<\/b><br>layer: L5/);
  assert.equal(f.data[0]!.type, "scatter");
});

test("maps have equal aspect, no axes and a legend title", () => {
  const f = categoricalMap(points, ["a", "b", "a", "b", "a", "b"], { colorName: "family" });
  const x = f.layout.xaxis as Record<string, unknown>;
  const y = f.layout.yaxis as Record<string, unknown>;
  assert.equal(x.visible, false);
  assert.equal(y.visible, false);
  assert.equal(y.scaleanchor, "x");
  assert.equal(y.scaleratio, 1);
  assert.deepEqual((f.layout.legend as { title: unknown }).title, { text: "family" });
});

test("categoricalMap takes a flat matrix, colour overrides and an explicit order", () => {
  const flat = { rows: 3, cols: 2, data: Float64Array.from([0, 1, 2, 3, 4, 5]) };
  const f = categoricalMap(flat, ["box2", "box1", "box2"], { categoryOrder: ["box2", "box1"], colors: { box1: "#123456" } });
  assert.deepEqual(
    f.data.map((t) => t.name),
    ["box2 (2)", "box1 (1)"],
  );
  assert.deepEqual(f.data[0]!.x, [0, 4]);
  assert.equal((f.data[1]!.marker as { color: string }).color, "#123456");
});

test("continuousMap: a colour bar for the values, grey points for missing ones", () => {
  const f = continuousMap(points, [100, 250, null, 400, NaN, 900], { ids, colorName: "soma depth (µm)", reverseScale: true });
  assert.equal(f.data.length, 2);
  assert.equal(f.data[0]!.name, "no soma depth (µm) (2)");
  assert.deepEqual(f.data[0]!.x, [2, 4]);
  const m = f.data[1]!.marker as Record<string, unknown>;
  assert.deepEqual(m.color, [100, 250, 400, 900]);
  assert.equal(m.showscale, true);
  assert.equal(m.reversescale, true);
  assert.deepEqual((m.colorbar as { title: unknown }).title, { text: "soma depth (µm)" });
  assert.match((f.data[1]!.text as string[])[2]!, /n3.*soma depth \(µm\): 400\.0/);
});

test("3-D maps use scatter3d with equal aspect and hidden axes", () => {
  const f = continuousMap(
    [
      [0, 0, 0],
      [1, 1, 1],
      [2, 0, 1],
    ],
    [1, 2, 3],
  );
  assert.equal(f.data[0]!.type, "scatter3d");
  assert.deepEqual(f.data[0]!.z, [0, 1, 1]);
  const scene = f.layout.scene as Record<string, Record<string, unknown>>;
  assert.equal(scene.aspectmode, "data");
  assert.equal(scene.zaxis!.visible, false);
});

test("large maps switch to WebGL and small markers; highlighted ids get a labelled ring", () => {
  const n = 12_000;
  const big = { rows: n, cols: 2, data: Float64Array.from({ length: 2 * n }, (_, i) => i % 97) };
  const bigIds = Array.from({ length: n }, (_, i) => `id${i}`);
  const f = categoricalMap(
    big,
    Array.from({ length: n }, (_, i) => (i % 2 ? "L4" : "L5")),
    { ids: bigIds, highlight: ["id7", "id11"] },
  );
  assert.equal(f.data[0]!.type, "scattergl");
  assert.equal((f.data[0]!.marker as { size: number }).size, 3);
  const marked = f.data[f.data.length - 1]!;
  assert.equal(marked.name, "marked");
  assert.deepEqual(marked.text, ["id7", "id11"]);
});

test("a label list of the wrong length is refused with both counts", () => {
  assert.throws(() => categoricalMap(points, ["a"]), /1 labels for 6 points/);
  assert.throws(() => continuousMap(points, [1, 2, 3, 4, 5, 6], { ids: ["x"] }), /1 ids for 6 points/);
});
