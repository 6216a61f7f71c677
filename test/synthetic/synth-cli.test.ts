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
    ["--import", "tsx", "training/synth.ts", "neurons", "--out", out, "--count", "9", "--seed", "3", "--points", "2000", "--grids", "16"],
    { cwd: ROOT, encoding: "utf8" },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /wrote 9 neurons to .* \(train 8, val 1\)/);
  assert.match(r.stdout, /cache: 9 voxelised, 0 already cached, 0 failed/);
  const ds = openDataset(out);
  assert.equal(ds.rows.length, 9);
  assert.ok(ds.ids().every((id) => ds.hasGrid(id, 16)));
  const bad = spawnSync(process.execPath, ["--import", "tsx", "training/synth.ts", "neurons", "--out", out, "--classes", "purkinje"], { cwd: ROOT, encoding: "utf8" });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /neuron class: expected one of "pyramidal_l23", .*found "purkinje"/);
});
