import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { DatasetSummary } from "../../lib/dataset";
import { writeNpyFile, writeNpzFile } from "../../lib/io";
import { BAD, sources, tmp } from "./sources";

const ROOT = path.resolve(__dirname, "../..");
const SCRIPT = path.join(ROOT, "datasets/dataset.ts");

function dataset(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, ["--import", "tsx", SCRIPT, ...args], { cwd: ROOT, encoding: "utf8" });
}

test("dataset create: the report, the exit codes, a resumed re-run, a refused re-split; info and cache", () => {
  const { root, swc, labels } = sources();
  const out = path.join(root, "ds");
  const args = ["create", swc, "--labels", labels, "--out", out, "--grids", "32", "--points", "2000"];
  const first = dataset(...args);
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout, /^12 neurons \(train 10, val 1, test 1\) → .*manifest\.csv, .*dataset\.json$/m);
  assert.match(first.stdout, /^grids 32³: 12 neurons voxelised, 0 already cached in [\d.]+ s on \d+ threads?$/m);
  assert.match(first.stderr, /^warning: left out .*parent_cycle\.swc:2: sample 2 is its own ancestor/m);
  assert.match(first.stderr, /^warning: neurons without a row in .*labels\.csv, kept with empty labels \(1\): p19$/m);
  assert.match(first.stderr, /^warning: rows of .*labels\.csv naming no neuron file \(1\): row 13 "ghost\.CNG\.swc"$/m);
  assert.match(first.stderr, /^13 neuron files \(13 read now\); splits seeded \(1996\), stratified by family$/m);
  assert.match(first.stderr, /^3 warnings \(above\)$/m);

  const again = dataset(...args);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stderr, /holds this dataset already: the manifest is unchanged and its cached grids are kept/);
  assert.match(again.stdout, /^grids 32³: 0 neurons voxelised, 12 already cached/m);

  const reseeded = dataset(...args, "--seed", "7");
  assert.equal(reseeded.status, 2);
  assert.match(
    reseeded.stderr,
    /^dataset create: .*ds already holds a dataset, and writing this one would change seed 1996 → 7; the split of \d+ of 12 neurons .* Force it \(--force\)/m,
  );

  const info = dataset("info", out);
  assert.equal(info.status, 0, info.stderr);
  assert.match(info.stdout, /ds: 12 neurons \(train 10, val 1, test 1\)\n/);
  assert.match(info.stdout, /\n  splits: seed 1996, 80\/10\/10, stratified by family\n/);
  assert.match(
    info.stdout,
    /\n  centre soma; normalisation per shape; 2000 points sampled per SWC\/PLY-mesh neuron \(seed 1996\); \.npz scale 1000\n/,
  );
  assert.match(
    info.stdout,
    /\n    family \(4 classes\): Aneuron_nmo 3, hippo_interneurons 3, spinal_motoneurons 3, purkinje 2; 1 without a value\n/,
  );
  assert.match(info.stdout, /\n  cached grids 32³: 12 complete\n$/);

  const cache = dataset("cache", out, "--grids", "16,32", "--workers", "1");
  assert.equal(cache.status, 0, cache.stderr);
  assert.match(cache.stdout, /^grids 16³, 32³: 12 neurons voxelised, 0 already cached in [\d.]+ s on 1 thread$/m);
  const json = dataset("info", out, "--json");
  assert.equal(json.status, 0, json.stderr);
  const summary = JSON.parse(json.stdout) as DatasetSummary;
  assert.deepEqual(summary.splits, [
    { split: "train", neurons: 10 },
    { split: "val", neurons: 1 },
    { split: "test", neurons: 1 },
  ]);
  assert.deepEqual(summary.grids, [
    { size: 16, complete: 12, missing: 0 },
    { size: 32, complete: 12, missing: 0 },
  ]);
  assert.equal(summary.labels[0]?.missing, 1);
});

test("dataset create: exit 1 when no file can be read, 2 for a command line it cannot take", () => {
  const root = tmp();
  const none = dataset("create", BAD, path.resolve(__dirname, "../fixtures/swc/negative_radius.swc"), "--out", path.join(root, "ds"));
  assert.equal(none.status, 1);
  assert.match(none.stderr, /^dataset create: none of the 2 neuron files could be read \(/m);
  assert.equal(fs.existsSync(path.join(root, "ds", "manifest.csv")), false);
  const both = dataset("create", BAD, "--out", root, "--split", "80,10,10", "--split-column", "split");
  assert.equal(both.status, 2);
  assert.equal(both.stderr, "dataset create: --split and --split-column both give the splits; choose one (see dataset create --help)\n");
  assert.equal(dataset("create", "--out", root).status, 2, "no input");
  assert.equal(dataset("info", path.join(root, "nothing")).status, 1);
  const help = dataset("--help");
  assert.equal(help.status, 0);
  assert.match(help.stdout, /commands:\n  create +.*\n  import-upstream +.*\n  cache +.*\n  info +/);
});

test("a stop request during the grid build exits 3, and the same command continues the cache", async () => {
  const { root, swc } = sources();
  const out = path.join(root, "ds");
  const args = ["--import", "tsx", SCRIPT, "create", swc, "--out", out, "--grids", "64", "--points", "20000", "--workers", "1"];
  const child = spawn(process.execPath, args, { cwd: ROOT });
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    stderr += chunk;
    // The first progress line of the build: one neuron is cached.
    if (/voxelising/.test(stderr) && !child.killed) child.kill("SIGINT");
  });
  const status = await new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  assert.equal(status, 3, stderr);
  assert.match(
    stderr,
    /SIGINT received; stopping after the current neuron \(cached grids are kept\)\. Run the same command again to continue\./,
  );
  const rest = dataset(...args.slice(3));
  assert.equal(rest.status, 0, rest.stderr);
  const [, built, skipped] = /grids 64³: (\d+) neurons voxelised, (\d+) already cached/.exec(rest.stdout)!.map(Number);
  assert.ok(skipped! >= 1 && skipped! < 12, `${skipped} cached before the stop`);
  assert.equal(built! + skipped!, 12);
});

test("dataset import-upstream: the thesis layout with its split lists, then the cache", () => {
  const root = tmp();
  const coords = path.join(root, "coords");
  fs.mkdirSync(coords);
  ["101", "102", "103"].forEach((id, k) => {
    const pts = Float32Array.from({ length: 600 }, (_, i) => (Math.sin(i * (k + 1)) * 300 + 50 * k) / 1000);
    writeNpzFile(path.join(coords, `${id}.npz`), { data: { data: pts, shape: [200, 3], dtype: "float16" } }, { compress: true });
  });
  writeNpyFile(path.join(root, "train.npy"), BigInt64Array.from([101n, 102n, 999n]));
  writeNpyFile(path.join(root, "val.npy"), BigInt64Array.from([103n]));
  fs.writeFileSync(path.join(root, "labels.csv"), "id,layer\n101,L2/3\n103,L5\n");
  const out = path.join(root, "ds");
  const args = [
    "import-upstream",
    "--coords",
    coords,
    "--splits",
    `train=${root}/train.npy,val=${root}/val.npy`,
    "--labels",
    path.join(root, "labels.csv"),
    "--out",
    out,
    "--grids",
    "16",
  ];
  const r = dataset(...args);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /^warning: listed ids without a cloud in .*coords, left out \(1\): 999$/m);
  assert.match(r.stderr, /^warning: neurons without a row in .*labels\.csv, kept with empty labels \(1\): 102$/m);
  assert.match(r.stdout, /^3 neurons \(train 2, val 1\) → /m);
  assert.match(r.stdout, /^grids 16³: 3 neurons voxelised, 0 already cached/m);
  const again = dataset(...args);
  assert.match(again.stdout, /^grids 16³: 0 neurons voxelised, 3 already cached/m);
  assert.equal(
    dataset("import-upstream", "--coords", coords, "--splits", "train", "--out", out).stderr,
    'dataset import-upstream: --splits: expected <split>=<file.npy>, found "train" (see dataset import-upstream --help)\n',
  );
});
