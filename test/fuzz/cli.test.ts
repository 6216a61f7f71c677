/**
 * Mutants through a command: `voxelize` given damaged neuron files (SWC,
 * PLY, NPY, NPZ) must name each file once on stderr with what is wrong, exit
 * with 1, and print no stack trace.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { WorkbenchError } from "../../lib/core";
import { formatNamed, scratchDir } from "./formats";
import { mutantSeed, mutate } from "./mutate";

const ROOT = path.resolve(__dirname, "../..");
const PER_FORMAT = 3;

test("voxelize refuses damaged SWC, PLY, NPY and NPZ files: exit 1, one message per file, no stack trace", async () => {
  const dir = scratchDir();
  try {
    const files: string[] = [];
    for (const name of ["swc", "ply", "npy", "npz"]) {
      const format = formatNamed(name);
      const seeds = format.seeds().filter((s) => /\.(swc|ply|npy|npz)$/.test(s.name));
      // Mutants the reader refuses in-process; the command must refuse them the same way.
      for (let i = 0, found = 0; found < PER_FORMAT && i < 500; i++) {
        const seed = seeds[i % seeds.length]!;
        const bytes = mutate(seed.bytes, mutantSeed(7, name, i)).bytes;
        const file = path.join(dir, `${name}_${i}_${format.fileName(seed)}`);
        fs.writeFileSync(file, bytes);
        try {
          await format.read(file, bytes, seed);
          fs.rmSync(file);
        } catch (e) {
          assert.ok(e instanceof WorkbenchError, `${file}: ${(e as Error).message}`);
          files.push(file);
          found++;
        }
      }
    }
    assert.equal(files.length, 4 * PER_FORMAT);
    const run = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        path.join(ROOT, "datasets/voxelize.ts"),
        ...files,
        "--out",
        path.join(dir, "out"),
        "--grid",
        "8",
        "--points",
        "200",
      ],
      { cwd: ROOT, encoding: "utf8" },
    );
    assert.equal(run.status, 1, run.stderr);
    assert.doesNotMatch(run.stderr, /^\s+at /m, "no stack trace");
    for (const f of files) {
      const lines = run.stderr.split("\n").filter((l) => l.includes(path.basename(f)));
      assert.equal(lines.length, 1, `${path.basename(f)} named once: ${lines.join(" | ")}`);
      assert.match(lines[0]!, new RegExp(`^failed: ${f.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}[:@]`));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
