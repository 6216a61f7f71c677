import { test } from "node:test";
import * as assert from "node:assert/strict";
import { centre, centreOffset, normalise, coordinateRange, mergeRanges } from "../../lib/neuron";

const PTS = Float32Array.from([1, 10, 100, 3, 20, 300, 5, 60, 200]);

test("centre on the soma, the mean, or the soma in x and z only (depth kept)", () => {
  const soma: [number, number, number] = [1, 10, 100];
  assert.deepEqual(Array.from(centre(PTS, "soma", soma)), [0, 0, 0, 2, 10, 200, 4, 50, 100]);
  assert.deepEqual(Array.from(centre(PTS, "soma-xz", soma)), [0, 10, 0, 2, 20, 200, 4, 60, 100]);
  assert.deepEqual(centreOffset(PTS, "mean"), [3, 30, 200]);
  assert.deepEqual(Array.from(centre(PTS, "none")), Array.from(PTS));
  assert.equal(PTS[0], 1, "the input is not modified");
  assert.throws(() => centre(PTS, "soma"), /needs the soma position/);
});

test("normalise maps the overall min to -1 and max to 1 with one scale for all axes", () => {
  const n = normalise(PTS);
  assert.equal(Math.min(...n), -1);
  assert.equal(Math.max(...n), 1);
  const { min, max } = coordinateRange(PTS);
  assert.deepEqual([min, max], [1, 300]);
  for (let i = 0; i < PTS.length; i++) assert.equal(n[i], Math.fround(((PTS[i]! - min) / (max - min) - 0.5) * 2));
});

test("dataset constants: a shape inside the dataset range stays inside [-1, 1]", () => {
  const range = mergeRanges([{ min: -5, max: 2 }, coordinateRange(PTS), { min: 0, max: 400 }]);
  assert.deepEqual(range, { min: -5, max: 400 });
  const n = normalise(PTS, range);
  assert.ok(Math.min(...n) > -1 && Math.max(...n) < 1);
  assert.equal(n[0], Math.fround(((1 + 5) / 405 - 0.5) * 2));
});

test("a cloud of one repeated point maps to the origin", () => {
  assert.deepEqual(Array.from(normalise(Float32Array.from([4, 4, 4, 4, 4, 4]))), [0, 0, 0, 0, 0, 0]);
});
