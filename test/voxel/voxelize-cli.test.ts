import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readNpyFile, writeNpyFile, parseCsv } from "../../lib/io";
import { loadPointCloud } from "../../lib/dataset";
import { neuronGrid } from "../../lib/voxel";

const ROOT = path.resolve(__dirname, "../..");
const REAL = path.resolve(ROOT, "test/fixtures/swc/real-sample");

function run(script: string, args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, script), ...args], { cwd: ROOT, encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test("voxelize writes one [g,g,g] uint8 .npy per input and a manifest; .npy clouds centre on their mean", () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "vox-"));
  const inDir = fs.mkdtempSync(path.join(os.tmpdir(), "vox-in-"));
  const cloud = Float32Array.from({ length: 300 }, (_, i) => Math.sin(i) * (i % 3 === 0 ? 100 : 10));
  writeNpyFile(path.join(inDir, "cloud.npy"), cloud, [100, 3]);
  const swc = path.join(REAL, "p19.CNG.swc");
  const r = run("datasets/voxelize.ts", [swc, inDir, "--grid", "32", "--out", out, "--points", "3000"]);
  assert.equal(r.code, 0, r.err);
  const rows = parseCsv(fs.readFileSync(path.join(out, "manifest.csv"), "utf8"));
  assert.deepEqual(
    rows.rows.map((x) => [x[1], x[8]]),
    [
      ["p19.CNG.npy", "soma"],
      ["cloud.npy", "mean"],
    ],
  );
  const g = readNpyFile(path.join(out, "p19.CNG.npy"));
  assert.deepEqual([g.dtype, g.shape], ["uint8", [32, 32, 32]]);
  assert.deepEqual(g.data, neuronGrid(loadPointCloud(swc, { points: 3000 }), { size: 32 }).data);
  const c = readNpyFile(path.join(out, "cloud.npy"));
  assert.deepEqual(c.data, neuronGrid({ points: cloud }, { size: 32, centre: "mean" }).data);
});

test("voxelize reports unreadable inputs and exits non-zero, and rejects bad options", () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "vox-"));
  const bad = path.resolve(ROOT, "test/fixtures/swc/parent_cycle.swc");
  const r = run("datasets/voxelize.ts", [bad, path.join(REAL, "p19.CNG.swc"), "--grid", "16", "--out", out, "--points", "1000"]);
  assert.equal(r.code, 1);
  assert.match(r.err, /failed: .*parent_cycle.swc:2: sample 2 is its own ancestor/);
  assert.ok(fs.existsSync(path.join(out, "p19.CNG.npy")));
  const r2 = run("datasets/voxelize.ts", [bad, "--grid", "16", "--out", out, "--centre", "middle"]);
  assert.equal(r2.code, 2);
  assert.match(r2.err, /--centre: expected one of soma, mean, soma-xz, none; found "middle"/);
});
