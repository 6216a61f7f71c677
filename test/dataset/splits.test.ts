import { test } from "node:test";
import * as assert from "node:assert/strict";
import { ConfigError } from "../../lib/core";
import { assignSplits, compareSplits, defaultStratifyColumn, splitCounts } from "../../lib/dataset";

test("split counts: largest remainders, and every split with a share gets a neuron when there are enough", () => {
  assert.deepEqual(splitCounts(12, [80, 10, 10]), [10, 1, 1]);
  assert.deepEqual(splitCounts(12, [0.8, 0.1, 0.1]), [10, 1, 1]);
  assert.deepEqual(splitCounts(100, [70, 15, 15]), [70, 15, 15]);
  assert.deepEqual(splitCounts(3, [80, 10, 10]), [1, 1, 1]);
  assert.deepEqual(splitCounts(2, [80, 10, 10]), [2, 0, 0]);
  assert.deepEqual(splitCounts(7, [50, 50]), [4, 3]);
  assert.deepEqual(splitCounts(5, [100]), [5]);
  assert.deepEqual(splitCounts(10, [80, 0, 20]), [8, 0, 2]);
  assert.throws(
    () => splitCounts(5, [1, 1, 1, 1]),
    (e: unknown) => e instanceof ConfigError && /expected 1 to 3 shares \(train, val, test\), found 4/.test(e.message),
  );
  assert.throws(() => splitCounts(5, [0, 0]), /expected shares >= 0 with a positive sum, found 0,0/);
});

test("splits are seeded, and stratified: every class spread over every split in proportion", () => {
  const strata = [...Array<string>(30).fill("a"), ...Array<string>(20).fill("b"), ...Array<string>(10).fill("c")];
  const s = assignSplits(60, { shares: [50, 30, 20], seed: 4, strata });
  assert.deepEqual(assignSplits(60, { shares: [50, 30, 20], seed: 4, strata }), s, "same seed, same splits");
  assert.notDeepEqual(assignSplits(60, { shares: [50, 30, 20], seed: 5, strata }), s, "another seed, other splits");
  const count = (split: string, cls?: string): number => s.filter((x, i) => x === split && (cls === undefined || strata[i] === cls)).length;
  assert.deepEqual([count("train"), count("val"), count("test")], [30, 18, 12]);
  for (const [cls, n] of [
    ["a", 30],
    ["b", 20],
    ["c", 10],
  ] as const) {
    for (const [split, share] of [
      ["train", 0.5],
      ["val", 0.3],
      ["test", 0.2],
    ] as const) {
      assert.ok(Math.abs(count(split, cls) - share * n) <= 1, `${cls} in ${split}: ${count(split, cls)} of ${n}`);
    }
  }
  // Twelve neurons in four classes of three: per-class rounding would leave val and test empty.
  const four = ["w", "x", "y", "z"].flatMap((c) => [c, c, c]);
  for (let seed = 0; seed < 20; seed++) {
    const t = assignSplits(12, { shares: [80, 10, 10], seed, strata: four });
    const val = four.filter((_, i) => t[i] === "val");
    const held = four.filter((_, i) => t[i] !== "train");
    assert.equal(val.length, 1);
    assert.equal(new Set(held).size, 2, `seed ${seed}: val and test come from two classes`);
  }
});

test("the default stratification column: categories with two or more classes of two or more neurons", () => {
  const table: Record<string, string[]> = {
    name: ["a", "b", "c", "d"],
    depth: ["1.5", "2", "1.5", "2"],
    one: ["L5", "L5", "L5", "L5"],
    layer: ["L2/3", "L5", "L2/3", "L5"],
    family: ["x", "x", "y", "y"],
  };
  assert.equal(
    defaultStratifyColumn(Object.keys(table), (c) => table[c]!),
    "layer",
  );
  assert.equal(
    defaultStratifyColumn(["name", "depth", "one"], (c) => table[c]!),
    null,
  );
  assert.equal(
    defaultStratifyColumn(["tiny"], () => ["x", "x", "y", ""]),
    null,
    "a class of one neuron",
  );
  assert.equal(
    defaultStratifyColumn(["gaps"], () => ["x", "x", "y", "y", ""]),
    "gaps",
    "missing values do not count against a column",
  );
});

test("splits sort train, val, test, then the others by name", () => {
  assert.deepEqual(["test", "holdout", "val", "extra", "train"].sort(compareSplits), ["train", "val", "test", "extra", "holdout"]);
});
