/**
 * A researcher's own neurons, end to end through the command line: a folder of
 * real NeuroMorpho SWC files and a label table → `dataset create` → `train
 * --preset tiny` → `embed` (the architecture read from the run) → `maps` →
 * `export`, and the exported state dict loaded back by the PyTorch reference.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { openDataset } from "../../lib/dataset";
import { readEmbeddingTable } from "../../lib/embeddings";
import { initEngine } from "../../lib/engine";
import { parseCsv } from "../../lib/io";
import { loadInferenceNetwork, disposeInferenceNetwork, runInference } from "../../lib/interop";
import { runCommandProcess } from "../helpers/command-process";
import { referenceLogits } from "../interop/python-torch";
import { pytorch } from "../helpers/python";
import { requires } from "../helpers/requires";

const REAL = path.resolve(__dirname, "../fixtures/swc/real-sample");

async function cli(file: string, args: string[]): Promise<string> {
  const r = await runCommandProcess(file, args, { timeoutMs: 600_000 });
  assert.equal(r.code, 0, `${file} ${args.join(" ")}\n${r.stderr}`);
  return r.stdout;
}

test("own SWC files and a label table go through dataset, train, embed, maps and export with their labels", async (ctx) => {
  if (!requires(ctx, pytorch)) return;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "own-neurons-"));
  // The user's folder: their SWC files and a label table naming them by file.
  const neurons = path.join(work, "my neurons");
  fs.cpSync(REAL, neurons, { recursive: true });
  const labels = parseCsv(fs.readFileSync(path.join(REAL, "labels.csv"), "utf8"), "labels.csv");
  const familyOf = new Map(labels.rows.map((r) => [r[0]!.replace(/\.CNG\.swc$/, ""), r[1]!]));
  assert.equal(familyOf.size, 12);

  const data = path.join(work, "dataset");
  await cli("datasets/dataset.ts", [
    "create",
    neurons,
    "--out",
    data,
    "--labels",
    path.join(neurons, "labels.csv"),
    "--id-column",
    "file",
    "--grids",
    "32",
    "--points",
    "4000",
    "--seed",
    "5",
  ]);
  const ds = openDataset(data);
  assert.deepEqual(ds.ids().sort(), [...familyOf.keys()].sort());
  for (const r of ds.rows) assert.equal(r.labels.family, familyOf.get(r.id), r.id);
  assert.ok(ds.ids("train").length >= 8 && ds.ids("val").length >= 1, `splits ${ds.rows.map((r) => r.split).join(",")}`);
  for (const id of ds.ids()) assert.ok(ds.hasGrid(id, 32), `no 32³ grid for ${id}`);

  const run = path.join(work, "run");
  await cli("training/train.ts", [
    "--preset",
    "tiny",
    "--data",
    data,
    "--out",
    run,
    "--iterations",
    "4",
    "--batch-size",
    "4",
    "--validation-batch-size",
    "4",
    "--checkpoint-every",
    "2",
  ]);

  const table = path.join(work, "embeddings", "tiny");
  await cli("embeddings/embed.ts", ["--checkpoint", run, "--data", data, "--out", table]);
  const t = readEmbeddingTable(table);
  assert.deepEqual([...t.ids].sort(), ds.ids().sort());
  assert.equal(t.dim, 512);
  t.ids.forEach((id, i) => assert.equal(t.labels.family![i], familyOf.get(id), id));
  assert.ok(t.values.every(Number.isFinite));

  const maps = path.join(work, "maps");
  await cli("embeddings/maps.ts", [
    "--embeddings",
    `${table}.csv`,
    "--out",
    maps,
    "--method",
    "tsne,umap",
    "--perplexity",
    "3",
    "--neighbours",
    "5",
    "--color-by",
    "family",
    "--seed",
    "3",
  ]);
  for (const method of ["tsne", "umap"]) {
    const csv = parseCsv(fs.readFileSync(path.join(maps, `${method}.csv`), "utf8"), `${method}.csv`);
    assert.deepEqual(csv.columns.slice(0, 3), ["id", "x", "y"]);
    const family = csv.columns.indexOf("family");
    assert.equal(csv.rows.length, 12);
    for (const row of csv.rows) {
      assert.equal(row[family], familyOf.get(row[0]!), `${method}: ${row[0]}`);
      assert.ok(Number.isFinite(Number(row[1])) && Number.isFinite(Number(row[2])));
    }
  }
  const quality = JSON.parse(fs.readFileSync(path.join(maps, "quality.json"), "utf8")) as Record<string, unknown>;
  assert.match(JSON.stringify(quality), /trustworthiness/);
  assert.match(JSON.stringify(quality), /family/);
  assert.ok(fs.statSync(path.join(maps, "maps.html")).size > 1e5, "the offline page carries plotly.js");

  const pth = path.join(work, "tiny.pth");
  await cli("training/export.ts", ["--checkpoint", run, "--out", pth, "--which", "last"]);
  // Two of the user's own neurons through PyTorch and through the workbench.
  const ids = ds.ids("val").concat(ds.ids("train")).slice(0, 2);
  const volumes = new Float32Array(2 * 32 ** 3);
  ids.forEach((id, i) => volumes.set(Float32Array.from(ds.grid(id, 32)), i * 32 ** 3));
  const theirs = referenceLogits(pth, volumes, 2, 32);
  await initEngine({ quiet: true });
  const previous = tf.getBackend();
  await tf.setBackend("cpu");
  let ours: Float32Array;
  const net = loadInferenceNetwork(path.join(run, "checkpoints", "last"));
  try {
    ours = runInference(net, { shape: [2, 32, 32, 32], data: volumes }).data;
  } finally {
    disposeInferenceNetwork(net);
    await tf.setBackend(previous);
  }
  const [low, high] = theirs.data.reduce(([a, b], v) => [Math.min(a, v), Math.max(b, v)], [Infinity, -Infinity]);
  const diff = ours.reduce((m, v, i) => Math.max(m, Math.abs(v - theirs.data[i]!)), 0);
  assert.ok(high > low, "the logits vary");
  assert.ok(diff <= 1e-4 * (high - low), `PyTorch and the workbench differ by ${diff}; the logits span ${low}..${high}`);
  fs.rmSync(work, { recursive: true, force: true });
});
