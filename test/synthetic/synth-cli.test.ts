import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { openDataset } from "../../lib/dataset";

const ROOT = path.resolve(__dirname, "../..");

test("npm run synth -- neurons writes a dataset with a cache", () => {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "synth-cli-")), "ds");
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", "datasets/synth.ts", "neurons", "--out", out, "--count", "9", "--seed", "3", "--points", "2000", "--grids", "16"],
    { cwd: ROOT, encoding: "utf8" },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /wrote 9 neurons to .* \(train 8, val 1\)/);
  assert.match(r.stdout, /cache: 9 voxelised, 0 already cached, 0 failed/);
  const ds = openDataset(out);
  assert.equal(ds.rows.length, 9);
  assert.ok(ds.ids().every((id) => ds.hasGrid(id, 16)));
  const bad = spawnSync(process.execPath, ["--import", "tsx", "datasets/synth.ts", "neurons", "--out", out, "--classes", "purkinje"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^synth neurons: --classes: expected one of pyramidal_l23, .*found "purkinje"/);
});

test("npm run synth -- synapses writes the boxes and names what it wrote; a box size needs three numbers", () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "synth-syn-cli-"));
  const args = [
    "--import",
    "tsx",
    "datasets/synth.ts",
    "synapses",
    "--out",
    out,
    "--seed",
    "1",
    "--boxes",
    "1",
    "--synapses-per-box",
    "2",
    "--cells",
    "8",
  ];
  const r = spawnSync(process.execPath, [...args, "--size", "128,128,40"], { cwd: ROOT, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^wrote 1 boxes, 2 synapses \(small-shaft 1, large-shaft 1\) to /);
  assert.equal(fs.readdirSync(path.join(out, "raw", "bbox1")).length, 40);
  const bad = spawnSync(process.execPath, [...args, "--size", "128,128"], { cwd: ROOT, encoding: "utf8" });
  assert.equal(bad.status, 2);
  assert.equal(bad.stderr, "synth synapses: --size: expected three integers W,H,D; found 128,128 (see synth synapses --help)\n");
});
