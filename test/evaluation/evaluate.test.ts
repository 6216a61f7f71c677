import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildCache, createDataset, loadPointCloud, type DatasetRow } from "../../lib/dataset";
import { embedDataset, readEmbeddingTable, writeEmbeddingTable } from "../../lib/embeddings";
import {
  CLOUD_MORPHOMETRICS,
  evaluateEmbeddings,
  evaluationHtml,
  formatEvaluation,
  SWC_MORPHOMETRICS,
  writeEvaluation,
  type EvaluateOptions,
  type Evaluation,
} from "../../lib/evaluation";
import { parseCsv, writeNpyFile } from "../../lib/io";
import { createAutoencoder } from "../../lib/models";
import { saveCheckpoint } from "../../lib/train";
import { realNeuronRows } from "../helpers/real-neurons";

const ROOT = path.resolve(__dirname, "../..");
const GRID = 16;
const FAMILIES = ["Aneuron_nmo", "hippo_interneurons", "purkinje", "spinal_motoneurons"];

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "evaluate-"));
}

/**
 * The twelve NeuroMorpho neurons (three per family) with a 16³ cache, a
 * checkpoint of a tiny network of that grid, and two embedding tables: the
 * family as one-hot values (the best any embedding can do) and the network's.
 */
const ready = (async () => {
  const dir = tmp();
  const rows = realNeuronRows({ split: () => "train", depth: (i) => (37 * i) % 100 });
  const ds = createDataset(path.join(dir, "data"), rows, { points: 3000, seed: 4 });
  await buildCache(ds.dir, { sizes: [GRID] });
  const ae = createAutoencoder({ grid: GRID, baseChannels: 2, seed: 11 });
  const run = path.join(dir, "run");
  saveCheckpoint(path.join(run, "checkpoints", "last"), ae);
  const trained = path.join(dir, "trained");
  await embedDataset(ae.encoder, ds, GRID, trained);
  const ids = ds.ids();
  const oneHot = path.join(dir, "one-hot");
  writeEmbeddingTable(oneHot, {
    ids,
    splits: ids.map(() => "train"),
    labels: {},
    dim: 4,
    values: Float32Array.from(ids.flatMap((id) => FAMILIES.map((f) => (ds.row(id).labels.family === f ? 1 : 0)))),
  });
  return { dir, ds, run, trained, oneHot };
})();

const settings = (workDir: string, run: string): EvaluateOptions => ({
  labels: ["family", "depth"],
  folds: 3,
  k: 3,
  checkpoint: run,
  randomSeeds: 2,
  pooling: ["channel-max", "global-max"],
  workDir,
});

test("evaluateEmbeddings: every embedding and baseline on every label, the one-hot embedding perfect and the majority rate exact", async () => {
  const { dir, ds, run, trained, oneHot } = await ready;
  const ev = (await evaluateEmbeddings(
    ds,
    [
      { name: "one-hot", table: readEmbeddingTable(oneHot) },
      { name: "trained", table: readEmbeddingTable(trained) },
    ],
    settings(path.join(dir, "work-a"), run),
  ))!;
  const names = [
    "one-hot",
    "trained",
    "random weights (channel-max)",
    "random weights (global-max)",
    "size only",
    "morphometrics",
    "majority class",
  ];
  assert.deepEqual(
    ev.rows.map((r) => `${r.label}:${r.features}`),
    [...names.map((n) => `family:${n}`), ...names.map((n) => `depth:${n}`)],
  );
  const row = (label: string, features: string) => ev.rows.find((r) => r.label === label && r.features === features)!;
  assert.equal(row("family", "one-hot").knn!.mean, 1);
  assert.equal(row("family", "one-hot").probe!.mean, 1);
  assert.equal(row("family", "majority class").knn!.mean, 0.25);
  assert.equal(ev.labels[0]!.kind, "categorical");
  assert.equal(ev.labels[1]!.kind, "continuous");
  assert.ok(row("depth", "trained").r2 && !row("depth", "trained").knn);
  const random = row("family", "random weights (global-max)");
  assert.equal(random.spread, "seeds");
  assert.equal(random.dim, 4);
  assert.equal(random.perSeed!.length, 2);
  assert.equal(random.knn!.mean, (random.perSeed![0]!.knn!.mean + random.perSeed![1]!.knn!.mean) / 2);
  assert.equal(row("family", "random weights (channel-max)").dim, 512);
  assert.equal(row("family", "size only").dim, 4);
  assert.equal(row("family", "morphometrics").dim, SWC_MORPHOMETRICS.length);
  assert.deepEqual(ev.settings.architecture, { grid: GRID, baseChannels: 2 });

  const files = writeEvaluation(ev, path.join(dir, "out"));
  const csv = parseCsv(fs.readFileSync(files.csv, "utf8"));
  assert.equal(csv.rows.length, 14);
  assert.deepEqual(csv.columns.slice(0, 8), ["features", "kind", "dim", "label", "label_kind", "n", "classes", "knn_accuracy"]);
  assert.deepEqual(csv.rows[0]!.slice(0, 8), ["one-hot", "embedding", "4", "family", "categorical", "12", "4", "1"]);
  assert.deepEqual((JSON.parse(fs.readFileSync(files.json, "utf8")) as Evaluation).rows[0]?.knn?.folds, [1, 1, 1]);
  const text = formatEvaluation(ev);
  assert.match(text, /family +one-hot +embedding +4 +12 +1\.000 ± 0\.000 +1\.000 ± 0\.000 +3 folds/);
  assert.match(text, /family +majority class +baseline +12 +0\.250 +0\.250\n/);
  assert.match(evaluationHtml(ev), /<b>1\.000 ± 0\.000<\/b>/);
});

test("a second evaluation reuses the baselines' files, and a stopped one resumes to the same table", async () => {
  const { dir, ds, run, trained } = await ready;
  const inputs = [{ name: "trained", table: readEmbeddingTable(trained) }];
  const work = path.join(dir, "work-b");
  let calls = 0;
  const stopped = await evaluateEmbeddings(ds, inputs, { ...settings(work, run), onProgress: () => ++calls < 20 });
  assert.equal(stopped, null, "onProgress returning false stops the evaluation");
  const first = (await evaluateEmbeddings(ds, inputs, settings(work, run)))!;
  const stamps = () => fs.readdirSync(work).map((f) => `${f} ${fs.statSync(path.join(work, f)).mtimeMs}`);
  const before = stamps();
  let events = 0;
  const second = (await evaluateEmbeddings(ds, inputs, { ...settings(work, run), onProgress: () => (events++, true) }))!;
  assert.deepEqual(stamps(), before, "nothing recomputed or rewritten");
  assert.deepEqual(second.rows, first.rows);
  const fresh = (await evaluateEmbeddings(ds, inputs, settings(path.join(dir, "work-c"), run)))!;
  assert.deepEqual(first.rows, fresh.rows, "the resumed run gives the table of an uninterrupted one");
  assert.ok(events > 0);
});

test("evaluateEmbeddings names what it cannot use: an unknown label, a table lacking neurons", async () => {
  const { dir, ds, trained } = await ready;
  const t = readEmbeddingTable(trained);
  await assert.rejects(
    evaluateEmbeddings(ds, [{ name: "t", table: t }], { labels: ["layer"] }),
    /has no label column "layer"; its columns are family, depth/,
  );
  const short = { ...t, ids: t.ids.slice(2), splits: t.splits.slice(2), values: t.values.slice(2 * t.dim) };
  await assert.rejects(
    evaluateEmbeddings(ds, [{ name: "short", table: short }], { labels: ["family"], folds: 3, k: 3, workDir: path.join(dir, "work-d") }),
    /embedding "short": 2 of the 12 neurons evaluated are not in its table \(LLC7B-1, LLR7G-1\)/,
  );
});

test("a label whose classes are too small for the folds fails when asked for by name, and is left out with a warning under skipUnusableLabels", async () => {
  const { dir, ds, trained } = await ready;
  const t = readEmbeddingTable(trained);
  // Three neurons per family cannot fill five folds.
  const options = { labels: ["family", "depth"], folds: 5, k: 3, measuredBaselines: false, workDir: path.join(dir, "work-skip") };
  await assert.rejects(evaluateEmbeddings(ds, [{ name: "t", table: t }], options), /label "family": 0 classes with at least 5 neurons/);
  const ev = (await evaluateEmbeddings(ds, [{ name: "t", table: t }], { ...options, skipUnusableLabels: true }))!;
  assert.deepEqual([...new Set(ev.rows.map((r) => r.label))], ["depth"]);
  assert.ok(
    ev.warnings.some((w) => /label "family": 0 classes .* left out of the table/.test(w)),
    ev.warnings.join("\n"),
  );
  await assert.rejects(
    evaluateEmbeddings(ds, [{ name: "t", table: t }], { ...options, labels: ["family"], skipUnusableLabels: true }),
    /none of the labels family can be scored on the 12 neurons/,
  );
});

test("point clouds get the cloud morphometrics and occupied voxels as their size", async () => {
  const { dir, ds } = await ready;
  const clouds = path.join(dir, "clouds");
  fs.mkdirSync(clouds);
  const rows: DatasetRow[] = ds.rows.map((r) => {
    const file = path.join(clouds, `${r.id}.npy`);
    const cloud = loadPointCloud(ds.sourceFile(r.id), { points: 2000, seed: 1 });
    writeNpyFile(file, cloud.points, [cloud.points.length / 3, 3], "float32");
    return { ...r, source: file, soma: cloud.soma ?? null };
  });
  const cds = createDataset(path.join(dir, "cloud-data"), rows, { points: 2000, seed: 1 });
  await buildCache(cds.dir, { sizes: [GRID] });
  const ids = cds.ids();
  const table = { ids, splits: ids.map(() => "train"), labels: {}, dim: 1, values: Float32Array.from(ids, (_, i) => i) };
  const ev = (await evaluateEmbeddings(cds, [{ name: "index", table }], {
    labels: ["family"],
    folds: 3,
    k: 3,
    grid: GRID,
    workDir: path.join(dir, "work-e"),
  }))!;
  assert.deepEqual(
    ev.rows.map((r) => r.features),
    ["index", "size only", "morphometrics", "majority class"],
    "no untrained baseline without an architecture",
  );
  assert.equal(ev.rows[2]!.dim, CLOUD_MORPHOMETRICS.length);
  assert.match(ev.featureSets.find((f) => f.name === "size only")!.description, /occupied voxels of the 16³ grid/);
});

test("npm run evaluate: prints the table and writes evaluation.csv and .json", async () => {
  const { dir, ds, run, trained, oneHot } = await ready;
  const out = path.join(dir, "cli");
  const args = [
    "--embeddings",
    `labels=${oneHot},${trained}`,
    "--data",
    ds.dir,
    "--label",
    "family",
    "--folds",
    "3",
    "--k",
    "3",
    "--checkpoint",
    run,
    "--seeds",
    "1",
    "--out",
    out,
  ];
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "embeddings", "evaluate.ts"), ...args], {
    cwd: ROOT,
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /family +labels +embedding +4 +12 +1\.000 ± 0\.000/);
  assert.match(r.stdout, /family +trained +embedding +512/);
  assert.match(r.stdout, /random weights \(channel-max\) +baseline +512 +12 .* 1 seeds/);
  assert.ok(fs.existsSync(path.join(out, "evaluation.csv")) && fs.existsSync(path.join(out, "evaluation.json")));
  const twice = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      path.join(ROOT, "embeddings", "evaluate.ts"),
      "--embeddings",
      `${trained},${trained}`,
      "--data",
      ds.dir,
      "--label",
      "family",
    ],
    { cwd: ROOT, encoding: "utf8" },
  );
  assert.equal(twice.status, 2);
  assert.match(twice.stderr, /two tables are named "trained"; name them with name=path/);
});
