import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { buildCache, createDataset, formatDatasetSummary, summariseDataset } from "../../lib/dataset";
import type { DatasetRow } from "../../lib/dataset";
import { IDS, REAL, tmp } from "./sources";

test("a dataset's summary: neurons per split, categories with counts (the top few when many), numbers as min/median/max, cached grids", async () => {
  const dir = tmp();
  const rows: DatasetRow[] = IDS.map((id, i) => ({
    id,
    source: path.join(REAL, `${id}.CNG.swc`),
    split: ["train", "holdout", "val", "test"][i % 4]!,
    soma: null,
    labels: { region: `r${Math.min(i, 9)}`, depth: i === 0 ? "" : String(10 * i), layer: i < 6 ? "L5" : "L2/3" },
  }));
  createDataset(dir, rows, { points: 2000 });
  await buildCache(dir, { sizes: [16], ids: IDS.slice(0, 5) });
  const s = summariseDataset(dir);
  assert.equal(s.neurons, 12);
  assert.deepEqual(s.splits, [
    { split: "train", neurons: 3 },
    { split: "val", neurons: 3 },
    { split: "test", neurons: 3 },
    { split: "holdout", neurons: 3 },
  ]);
  assert.deepEqual(s.labels[0], {
    column: "region",
    kind: "categorical",
    classes: 10,
    top: [
      { value: "r9", count: 3 },
      { value: "r0", count: 1 },
      { value: "r1", count: 1 },
      { value: "r2", count: 1 },
      { value: "r3", count: 1 },
    ],
    others: 5,
    missing: 0,
  });
  assert.deepEqual(s.labels[1], { column: "depth", kind: "numeric", count: 11, min: 10, median: 60, max: 110, missing: 1 });
  assert.deepEqual(s.labels[2], {
    column: "layer",
    kind: "categorical",
    classes: 2,
    top: [
      { value: "L2/3", count: 6 },
      { value: "L5", count: 6 },
    ],
    others: 0,
    missing: 0,
  });
  assert.deepEqual(s.grids, [{ size: 16, complete: 5, missing: 7 }]);
  const text = formatDatasetSummary(s);
  assert.match(text, /: 12 neurons \(train 3, val 3, test 3, holdout 3\)\n/);
  assert.match(text, /\n    region \(10 classes\): r9 3, r0 1, r1 1, r2 1, r3 1, 5 other classes \(5\)\n/);
  assert.match(text, /\n    depth \(numeric, 11 values\): min 10, median 60, max 110; 1 without a value\n/);
  assert.match(text, /\n  cached grids 16³: 5 complete, 7 missing$/);
});
