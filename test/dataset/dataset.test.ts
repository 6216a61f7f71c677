import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ParseError } from "../../lib/core";
import {
  createDataset,
  openDataset,
  buildCache,
  batches,
  epochOrder,
  computeDatasetRange,
  loadPointCloud,
  cachePath,
  readInfo,
} from "../../lib/dataset";
import { neuronGrid, packBits } from "../../lib/voxel";
import { realNeuronRows as realRows } from "../helpers/real-neurons";

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "dataset-"));
}

test("manifest and dataset.json round-trip; splits keep manifest order", () => {
  const dir = tmp();
  const rows = realRows();
  rows[0]!.soma = [1.5, -2, 3];
  const ds = createDataset(dir, rows, { points: 5000, description: "twelve NeuroMorpho neurons" });
  const back = openDataset(dir);
  assert.deepEqual(back.rows, rows);
  assert.deepEqual(back.info.labelColumns, ["family", "depth"]);
  assert.equal(back.info.points, 5000);
  assert.deepEqual(
    ds.ids("val"),
    rows.filter((r) => r.split === "val").map((r) => r.id),
  );
  assert.equal(ds.ids().length, 12);
  assert.deepEqual(ds.ids("test"), []);
  assert.match(fs.readFileSync(path.join(dir, "manifest.csv"), "utf8"), /^id,source,split,soma_x,soma_y,soma_z,family,depth\n/);
  assert.throws(() => ds.row("nope"), /no neuron with id "nope" in the manifest/);
  assert.throws(
    () => ds.grid(rows[0]!.id, 32),
    /has no cached 32³ grid; build it with `npm run dataset -- cache .* --grids 32` \(in a notebook: buildCache\(dir, \{ sizes: \[32\] \}\)\)/,
  );
});

test("bad manifests are refused with file and line", () => {
  const dir = tmp();
  createDataset(dir, realRows().slice(0, 2));
  const mf = path.join(dir, "manifest.csv");
  const text = fs.readFileSync(mf, "utf8").split("\n");
  fs.writeFileSync(mf, [text[0], text[1], text[1]].join("\n") + "\n");
  assert.throws(
    () => openDataset(dir),
    (e: unknown) => e instanceof ParseError && e.line === 3 && /id LLC7B-1 repeated \(first on line 2\)/.test(e.message),
  );
  fs.writeFileSync(mf, "id,source,split\n");
  assert.throws(() => openDataset(dir), /missing column "soma_x"/);
  assert.throws(
    () =>
      createDataset(tmp(), [
        { id: "a/b", source: "x.swc", split: "train", soma: null, labels: {} },
        { id: "a_b", source: "y.swc", split: "train", soma: null, labels: {} },
      ]),
    /ids "a\/b" and "a_b" map to the same cache file name/,
  );
  assert.throws(() => openDataset(tmp()), /not a dataset directory \(no dataset.json\)/);
});

test("the cache holds exactly the grids neuronGrid makes, is written once, and resumes", async () => {
  const dir = tmp();
  const rows = realRows().slice(0, 6);
  const ds = createDataset(dir, rows, { points: 8000, seed: 3 });
  const events: number[] = [];
  const first = await buildCache(dir, { sizes: [32, 16], onProgress: (e) => void events.push(e.done) });
  assert.deepEqual([first.built, first.skipped, first.failed.length, first.stopped], [6, 0, 0, false]);
  assert.deepEqual(events, [1, 2, 3, 4, 5, 6]);
  for (const r of rows) {
    const cloud = loadPointCloud(r.source, { points: 8000, seed: 3 });
    for (const size of [32, 16]) assert.deepEqual(ds.grid(r.id, size), neuronGrid(cloud, { size, centre: "soma" }).data, `${r.id} ${size}`);
    assert.deepEqual(await ds.gridAsync(r.id, 32), ds.grid(r.id, 32));
    const slot = new Float32Array(2 * 32 ** 3).fill(5).subarray(32 ** 3);
    assert.deepEqual(
      await ds.gridAsync(r.id, 32, slot),
      Float32Array.from(ds.grid(r.id, 32)),
      "unpacked straight into a float batch's slot",
    );
    // Compact: smaller than the bit-packed grid itself.
    assert.ok(fs.statSync(cachePath(dir, r.id, 32)).size < packBits(ds.grid(r.id, 32)).length);
  }
  const mtime = fs.statSync(cachePath(dir, rows[0]!.id, 32)).mtimeMs;
  const again = await buildCache(dir, { sizes: [32, 16] });
  assert.deepEqual([again.built, again.skipped], [0, 6]);
  assert.equal(fs.statSync(cachePath(dir, rows[0]!.id, 32)).mtimeMs, mtime);

  // An interrupted write (truncated file) is rebuilt; reading it first names the problem.
  const victim = cachePath(dir, rows[1]!.id, 32);
  fs.writeFileSync(victim, fs.readFileSync(victim).subarray(0, 40));
  assert.throws(() => ds.grid(rows[1]!.id, 32), /payload should be \d+ bytes, found 24 \(interrupted write\?\); delete it and rebuild/);
  assert.equal(ds.hasGrid(rows[1]!.id, 32), false);
  const repaired = await buildCache(dir, { sizes: [32] });
  assert.deepEqual([repaired.built, repaired.skipped], [1, 5]);
  assert.equal(ds.hasGrid(rows[1]!.id, 32), true);
});

test("stopping from onProgress leaves a cache that the next call completes", async () => {
  const dir = tmp();
  createDataset(dir, realRows().slice(0, 4), { points: 3000 });
  const stopped = await buildCache(dir, { sizes: [16], onProgress: (e) => e.done < 2 });
  assert.equal(stopped.stopped, true);
  assert.equal(stopped.built, 2);
  const rest = await buildCache(dir, { sizes: [16] });
  assert.deepEqual([rest.built, rest.skipped], [2, 2]);
});

test("a file that cannot be read is reported, not thrown, and the rest are built", async () => {
  const dir = tmp();
  const rows = realRows().slice(0, 2);
  rows.push({ id: "broken", source: path.resolve(__dirname, "../fixtures/swc/parent_cycle.swc"), split: "train", soma: null, labels: {} });
  createDataset(dir, rows, { points: 2000 });
  const r = await buildCache(dir, { sizes: [16] });
  assert.equal(r.built, 2);
  assert.equal(r.failed.length, 1);
  assert.equal(r.failed[0]!.id, "broken");
  assert.match(r.failed[0]!.message, /parent_cycle.swc:2: .*cycle/);
});

test("worker threads build the same bytes as the main thread", async () => {
  const a = tmp();
  const b = tmp();
  const rows = realRows().slice(3, 7);
  createDataset(a, rows, { points: 4000 });
  createDataset(b, rows, { points: 4000 });
  await buildCache(a, { sizes: [16] });
  const r = await buildCache(b, { sizes: [16], workers: 2 });
  assert.equal(r.built, 4);
  for (const row of rows) assert.deepEqual(fs.readFileSync(cachePath(b, row.id, 16)), fs.readFileSync(cachePath(a, row.id, 16)));
});

test("batches: a seeded permutation per epoch, every neuron once, channels-last floats, resumable", async () => {
  const dir = tmp();
  const rows = realRows();
  for (const r of rows) r.split = "train";
  const ds = createDataset(dir, rows, { points: 3000 });
  await buildCache(dir, { sizes: [16] });
  const collect = async (o: Partial<Parameters<typeof batches>[1]>) => {
    const out = [];
    for await (const b of batches(ds, { size: 16, batchSize: 5, ...o })) out.push(b);
    return out;
  };
  const e0 = await collect({ epoch: 0, seed: 7 });
  assert.deepEqual(
    e0.map((b) => b.ids.length),
    [5, 5, 2],
  );
  assert.deepEqual(
    e0.map((b) => b.index),
    [0, 1, 2],
  );
  const seen = e0.flatMap((b) => b.ids);
  assert.deepEqual([...seen].sort(), ds.ids("train").sort());
  assert.deepEqual(seen, epochOrder(ds.ids("train"), 7, 0));
  assert.deepEqual(
    (await collect({ epoch: 0, seed: 7 })).flatMap((b) => b.ids),
    seen,
  );
  assert.notDeepEqual(
    (await collect({ epoch: 1, seed: 7 })).flatMap((b) => b.ids),
    seen,
  );
  assert.deepEqual((await collect({ epoch: 0, seed: 7, dropLast: true })).length, 2);
  const resumed = await collect({ epoch: 0, seed: 7, startBatch: 1, prefetch: 3 });
  assert.deepEqual(
    resumed.flatMap((b) => b.ids),
    seen.slice(5),
  );
  const b0 = e0[0]!;
  assert.deepEqual(b0.shape, [5, 16, 16, 16, 1]);
  const g = ds.grid(b0.ids[2]!, 16);
  assert.deepEqual(Array.from(b0.data.subarray(2 * 4096, 3 * 4096)), Array.from(g));
  assert.deepEqual(
    (await collect({ shuffle: false })).flatMap((b) => b.ids),
    ds.ids("train"),
  );
});

test("dataset-wide constants are computed from the training split and stored", () => {
  const dir = tmp();
  createDataset(dir, realRows().slice(0, 3), { points: 2000 });
  const range = computeDatasetRange(dir, { splits: ["train"] });
  assert.ok(range.max > range.min);
  assert.deepEqual(readInfo(dir).normalisation, range);
});
