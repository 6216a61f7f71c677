import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { ParseError } from "../../lib/core";
import { buildCache, createDataset } from "../../lib/dataset";
import {
  embedDataset,
  embeddingFiles,
  latentEmbeddings,
  mergeEmbeddingShards,
  parseShard,
  readEmbeddingTable,
  shardIds,
  writeEmbeddingTable,
  type EmbeddingTable,
} from "../../lib/embeddings";
import { readTableFile } from "../../lib/io";
import { createAutoencoder } from "../../lib/models";
import { realNeuronRows } from "../helpers/real-neurons";

const GRID = 16;

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "embeddings-"));
}

/** The twelve real NeuroMorpho neurons as a dataset with a 16³ cache, built once. */
const datasetReady = (async () => {
  const dir = tmp();
  const ds = createDataset(dir, realNeuronRows(), { points: 4000, seed: 5 });
  await buildCache(dir, { sizes: [GRID] });
  return ds;
})();

const ae = createAutoencoder({ grid: GRID, baseChannels: 2 });

function direct(ids: string[], grid: (id: string) => Uint8Array): Float32Array {
  const out = new Float32Array(ids.length * 512);
  ids.forEach((id, i) => {
    const x = tf.tensor5d(Float32Array.from(grid(id)), [1, GRID, GRID, GRID, 1]);
    out.set(latentEmbeddings(ae.encoder, x), i * 512);
    x.dispose();
  });
  return out;
}

test("latentEmbeddings is the channel maximum of the 8³ latent, x-major", () => {
  const x = tf.tidy(() => tf.randomUniform([2, GRID, GRID, GRID, 1], 0, 1, "float32", 3).greater(0.7).toFloat() as tf.Tensor5D);
  const before = tf.memory().numTensors;
  const e = latentEmbeddings(ae.encoder, x);
  assert.equal(tf.memory().numTensors, before, "no tensors leaked");
  const z = (ae.encoder.predict(x) as tf.Tensor).arraySync() as number[][][][][];
  assert.equal(e.length, 2 * 512);
  for (const [b, i, j, k] of [
    [0, 0, 0, 0],
    [1, 7, 0, 3],
    [0, 2, 5, 7],
    [1, 7, 7, 7],
  ] as const) {
    const want = Math.max(...z[b]![i]![j]![k]!);
    assert.ok(Math.abs(e[b * 512 + i * 64 + j * 8 + k]! - want) < 1e-6);
  }
  x.dispose();
});

test("embedDataset writes one row per neuron with split and manifest labels, in CSV and npy form", async () => {
  const ds = await datasetReady;
  const out = path.join(tmp(), "dense16.csv");
  const r = await embedDataset(ae.encoder, ds, GRID, out, { batchSize: 5 });
  assert.equal(r.complete, true);
  assert.equal(r.total, 12);
  assert.ok(r.encoderSeconds > 0 && r.encoderSeconds <= r.seconds, `encoder ${r.encoderSeconds} s of ${r.seconds} s`);
  const files = embeddingFiles(out);
  assert.ok(!fs.existsSync(`${files.stem}.parts`), "chunks removed once the table is written");
  const fromNpy = readEmbeddingTable(out);
  assert.deepEqual(fromNpy.ids, ds.ids());
  assert.deepEqual(
    fromNpy.splits,
    ds.ids().map((id) => ds.row(id).split),
  );
  assert.deepEqual(Object.keys(fromNpy.labels), ["family", "depth"]);
  assert.equal(fromNpy.labels.depth![3], "300");
  assert.deepEqual(
    fromNpy.values,
    direct(ds.ids(), (id) => ds.grid(id, GRID)),
  );
  fs.rmSync(files.npy);
  const fromCsv = readEmbeddingTable(out);
  assert.deepEqual(fromCsv.values, fromNpy.values, "the CSV holds the same float32 values");
  assert.deepEqual(fromCsv.labels, fromNpy.labels);
});

test("a stopped run resumes from its saved chunks and gives the same table", async () => {
  const ds = await datasetReady;
  const dir = tmp();
  const whole = await embedDataset(ae.encoder, ds, GRID, path.join(dir, "whole"), { chunkSize: 4, batchSize: 2 });
  const out = path.join(dir, "resumed");
  const first = await embedDataset(ae.encoder, ds, GRID, out, { chunkSize: 4, batchSize: 2, onProgress: (e) => e.done < 6 });
  assert.equal(first.complete, false);
  assert.equal(fs.readdirSync(`${out}.parts`).filter((f) => f.endsWith(".npy")).length, 1, "one finished chunk saved");
  const second = await embedDataset(ae.encoder, ds, GRID, out, { chunkSize: 4, batchSize: 2 });
  assert.equal(second.complete, true);
  assert.equal(second.computed, 8, "the saved chunk of 4 was not recomputed");
  assert.deepEqual(readEmbeddingTable(out), readEmbeddingTable(path.join(dir, "whole")));
  assert.equal(whole.computed, 12);
});

test("reading batches ahead changes nothing: prefetch 0, 1 and the default write the same bytes, the embeddings of one neuron at a time", async () => {
  const ds = await datasetReady;
  const dir = tmp();
  // Chunks of 5 in batches of 2: batches of 2, 2 and 1, and the read-ahead crosses chunk boundaries.
  const files = [0, 1, undefined].map((prefetch) => embeddingFiles(path.join(dir, `prefetch-${prefetch ?? "default"}`)));
  for (const [i, prefetch] of [0, 1, undefined].entries()) {
    const r = await embedDataset(ae.encoder, ds, GRID, files[i]!.stem, { chunkSize: 5, batchSize: 2, prefetch });
    assert.equal(r.computed, 12);
  }
  for (const f of files.slice(1)) {
    assert.ok(fs.readFileSync(f.npy).equals(fs.readFileSync(files[0]!.npy)), `${f.npy} differs from prefetch 0`);
    assert.ok(fs.readFileSync(f.csv).equals(fs.readFileSync(files[0]!.csv)), `${f.csv} differs from prefetch 0`);
  }
  assert.deepEqual(
    readEmbeddingTable(files[0]!.stem).values,
    direct(ds.ids(), (id) => ds.grid(id, GRID)),
  );
  await assert.rejects(
    embedDataset(ae.encoder, ds, GRID, path.join(dir, "bad"), { prefetch: -1 }),
    /embed: prefetch should be a whole number >= 0; found -1/,
  );
});

test("--split picks a split and names the splits that exist when it is empty", async () => {
  const ds = await datasetReady;
  const out = path.join(tmp(), "val");
  await embedDataset(ae.encoder, ds, GRID, out, { split: "val" });
  assert.deepEqual(readEmbeddingTable(out).ids, ds.ids("val"));
  await assert.rejects(
    embedDataset(ae.encoder, ds, GRID, out, { split: "test" }),
    /no neurons in split "test" .*its splits are train, val/,
  );
});

test("shards cover every neuron once and merge into the unsharded table", async () => {
  const ds = await datasetReady;
  const dir = tmp();
  const out = path.join(dir, "emb");
  for (let i = 0; i < 3; i++) await embedDataset(ae.encoder, ds, GRID, out, { shard: { index: i, count: 3 } });
  const r = mergeEmbeddingShards(out, 3, ds.ids());
  assert.equal(r.ok, true);
  assert.equal(r.rows, 12);
  await embedDataset(ae.encoder, ds, GRID, path.join(dir, "single"));
  assert.deepEqual(readEmbeddingTable(out), readEmbeddingTable(path.join(dir, "single")));
});

test("merge reports missing shards, missing and doubled ids, and writes nothing then", () => {
  const dir = tmp();
  const out = path.join(dir, "emb");
  const table = (ids: string[]): EmbeddingTable => ({
    ids,
    splits: ids.map(() => "train"),
    labels: { layer: ids.map(() => "L4") },
    dim: 2,
    values: new Float32Array(ids.length * 2),
  });
  writeEmbeddingTable(`${out}.shard-0-of-3`, table(["a", "b"]));
  writeEmbeddingTable(`${out}.shard-1-of-3`, table(["b", "c"]));
  const r = mergeEmbeddingShards(out, 3, ["a", "b", "c", "d"]);
  assert.equal(r.ok, false);
  assert.deepEqual(r.missingShards, [2]);
  assert.deepEqual(r.missingIds, ["d"]);
  assert.deepEqual(r.duplicatedIds, [{ id: "b", count: 2 }]);
  assert.ok(!fs.existsSync(embeddingFiles(out).npy));
  writeEmbeddingTable(`${out}.shard-1-of-3`, table(["c"]));
  writeEmbeddingTable(`${out}.shard-2-of-3`, table(["d", "e"]));
  const r2 = mergeEmbeddingShards(out, 3, ["a", "b", "c", "d"]);
  assert.deepEqual(r2.unexpectedIds, ["e"]);
  assert.equal(r2.ok, false);
  const r3 = mergeEmbeddingShards(out, 3);
  assert.equal(r3.ok, true);
  assert.deepEqual(readEmbeddingTable(out).ids, ["a", "b", "c", "d", "e"]);
});

test("parseShard and shardIds split ids into contiguous balanced slices", () => {
  assert.deepEqual(parseShard("2/5"), { index: 2, count: 5 });
  assert.throws(() => parseShard("5/5"), /expected i\/N with 0 <= i < N/);
  assert.throws(() => parseShard("1-4"), /found "1-4"/);
  const ids = Array.from({ length: 10 }, (_, i) => String(i));
  const parts = [0, 1, 2].map((index) => shardIds(ids, { index, count: 3 }));
  assert.deepEqual(
    parts.map((p) => p.length),
    [3, 3, 4],
  );
  assert.deepEqual(parts.flat(), ids);
});

test("a CSV with a non-numeric value is refused with file, line and column", () => {
  const file = path.resolve(__dirname, "../fixtures/embeddings/non_numeric_value.csv");
  assert.throws(
    () => readEmbeddingTable(file),
    (e: unknown) => e instanceof ParseError && /non_numeric_value\.csv:3: emb_2: expected a number, found "oops"/.test(e.message),
  );
});

test("Python reads the CSV (csv module, as pandas would) and numpy the .npy, with the same numbers", async () => {
  // Debian's python here has numpy but not pandas; pandas.read_csv parses the same plain RFC 4180 file.
  const ds = await datasetReady;
  const out = path.join(tmp(), "for-python");
  await embedDataset(ae.encoder, ds, GRID, out);
  const f = embeddingFiles(out);
  const script = [
    "import csv, sys, numpy as np",
    "rows = list(csv.DictReader(open(sys.argv[1], newline='')))",
    "meta = list(csv.DictReader(open(sys.argv[3], newline='')))",
    "a = np.load(sys.argv[2])",
    "emb = np.array([[float(r[f'emb_{j+1}']) for j in range(512)] for r in rows], dtype=np.float32)",
    "assert a.shape == (12, 512) and a.dtype == np.float32, (a.shape, a.dtype)",
    "assert (emb == a).all()",
    "assert list(meta[0].keys()) == ['id', 'split', 'family', 'depth'] and [m['id'] for m in meta] == [r['id'] for r in rows]",
    "print(len(rows), rows[2]['split'], float(rows[3]['depth']))",
  ].join("\n");
  const p = spawnSync("/usr/bin/python3", ["-c", script, f.csv, f.npy, f.meta], { encoding: "utf8" });
  assert.equal(p.status, 0, p.stderr);
  assert.equal(p.stdout.trim(), "12 val 300.0");
});

test("danfojs reads the CSV (through lib/io's readTableFile)", async () => {
  const ds = await datasetReady;
  const out = path.join(tmp(), "for-danfo");
  await embedDataset(ae.encoder, ds, GRID, out);
  const t = await readTableFile(embeddingFiles(out).csv);
  assert.deepEqual(t.columns.slice(0, 5), ["id", "split", "family", "depth", "emb_1"]);
  assert.equal(t.rows.length, 12);
  const table = readEmbeddingTable(out);
  assert.equal(t.rows[4]!.id, table.ids[4]);
  assert.ok(Math.abs(Number(t.rows[4]!.emb_300) - table.values[4 * 512 + 299]!) < 1e-6);
});

test("options given as undefined keep their defaults (as the CLI passes them)", async () => {
  const ds = await datasetReady;
  const out = path.join(tmp(), "undefined-options");
  const r = await embedDataset(ae.encoder, ds, GRID, out, {
    split: undefined,
    batchSize: undefined,
    chunkSize: undefined,
    shard: undefined,
  });
  assert.equal(r.complete, true);
  assert.equal(readEmbeddingTable(out).ids.length, 12);
});
