import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseOptions } from "../../lib/cli";
import type { Command, OptionSpecs } from "../../lib/cli";
import { ConfigError } from "../../lib/core";
import { readSweepRecord } from "../../lib/cluster";
import { synthNeurons } from "../../lib/synthetic";
import { slurmEmbedCommand, slurmTrainCommand } from "../../cluster/slurm";

const ROOT = path.resolve(__dirname, "../..");
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "slurm-cli-"));
const dataset = (async () => {
  const dir = path.join(tmp(), "neurons");
  await synthNeurons({ out: dir, count: 3, seed: 1, points: 500 });
  return dir;
})();

/** Runs a command in this process on `argv`, as the command line would (without printing its usage errors). */
async function run<O extends OptionSpecs>(cmd: Command<O>, argv: string[]): Promise<unknown> {
  const log = console.log;
  const error = console.error;
  console.log = console.error = () => undefined;
  try {
    return await cmd.run({ values: parseOptions(argv, cmd.options).values, positionals: [], name: `slurm ${cmd.name}` });
  } finally {
    console.log = log;
    console.error = error;
  }
}

test("slurm train checks every run's train options with train's own parser and checks before writing anything", async () => {
  const data = await dataset;
  const out = path.join(tmp(), "sweep");
  const refused: Array<[string[], RegExp]> = [
    [["--sweep", "max-lr=1e-3,fast"], /^sweep run --max-lr fast: --max-lr: expected a number; found "fast"$/],
    [["--sweep", "batch-size=8,0"], /^sweep run --batch-size 0: training option batchSize: expected/],
    [["--sweep", "mode=dense,nlat2"], /^sweep run --mode nlat2: --mode: expected one of dense, nlat; found "nlat2"$/],
    [["--sweep", "max-lr=1e-3", "--max-lr", "1e-2"], /^--max-lr is both given and swept; drop one$/],
    [["--sweep", "out=a,b"], /^--sweep: option: expected one of "preset", "mode", "grid", .*; found "out"$/],
    [["--iterations", "1"], /^training option iterations: expected at least 2; found 1$/],
  ];
  for (const [argv, message] of refused) {
    await assert.rejects(
      run(slurmTrainCommand, ["--data", data, "--out", out, ...argv]),
      (e: unknown) => e instanceof ConfigError && message.test(e.message),
      argv.join(" "),
    );
  }
  assert.ok(!fs.existsSync(out), "nothing written for a refused command line");
  await assert.rejects(run(slurmTrainCommand, ["--data", path.join(data, "nope"), "--out", out]), /nope: not a dataset directory/);
});

test("slurm embed refuses a missing checkpoint and more shards than neurons", async () => {
  const data = await dataset;
  const dir = tmp();
  await assert.rejects(
    run(slurmEmbedCommand, ["--checkpoint", path.join(dir, "run"), "--data", data, "--out", path.join(dir, "e"), "--shards", "2"]),
    /--checkpoint .*run: no such file or directory/,
  );
  await assert.rejects(
    run(slurmEmbedCommand, ["--checkpoint", dir, "--data", data, "--out", path.join(dir, "e"), "--shards", "4"]),
    /--shards 4: more shards than the 3 neurons to embed/,
  );
  await assert.rejects(
    run(slurmEmbedCommand, ["--checkpoint", dir, "--data", data, "--out", path.join(dir, "e"), "--shards", "2", "--split", "test"]),
    /--split test: no neurons in .* have this split/,
  );
});

test("neuro-workbench slurm train --sweep … --submit writes the scripts and the sweep's list, submits them in order and prints the ids", async () => {
  const data = await dataset;
  const dir = tmp();
  const bin = path.join(dir, "bin");
  fs.mkdirSync(bin);
  // An sbatch that answers 100, then 101, …, and records its arguments.
  fs.writeFileSync(
    path.join(bin, "sbatch"),
    `#!/bin/bash\nprintf '%s\\n' "$*" >> '${dir}/calls'\necho $((99 + $(wc -l < '${dir}/calls')))\n`,
    { mode: 0o755 },
  );
  const out = path.join(dir, "lr sweep");
  const config = path.join(dir, "cluster.json");
  fs.writeFileSync(config, JSON.stringify({ partition: "cpu", setup: ["module load nodejs/20"] }));
  const r = spawnSync(
    process.execPath,
    [
      path.join(ROOT, "bin/neuro-workbench.js"),
      "slurm",
      "train",
      "--data",
      data,
      "--out",
      out,
      "--sweep",
      "max-lr=1e-3,3e-3",
      "--iterations",
      "20",
      "--config",
      config,
      "--partition",
      "gpu",
      "--submit",
    ],
    { cwd: dir, encoding: "utf8", env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}` } },
  );
  assert.equal(r.status, 0, r.stderr);
  const scripts = `${out}.slurm`;
  assert.equal(
    r.stdout,
    [
      `train 100 ${scripts}/train.sh (array of 2 tasks)`,
      `summary 101 ${scripts}/summary.sh (after train ended)`,
      `Logs go to ${scripts}/logs; squeue -j 100,101 shows the jobs.`,
      "",
    ].join("\n"),
  );
  assert.equal(
    fs.readFileSync(path.join(dir, "calls"), "utf8"),
    `--parsable ${scripts}/train.sh\n--parsable --dependency=afterany:100 --kill-on-invalid-dep=yes ${scripts}/summary.sh\n`,
  );
  const train = fs.readFileSync(path.join(scripts, "train.sh"), "utf8");
  assert.match(train, /^#SBATCH --partition=gpu$/m, "the flag wins over the config file");
  assert.match(train, /^set -e\nmodule load nodejs\/20\nset \+e$/m);
  assert.match(train, /--preset tiny --data .* --out "\$run" --iterations 20 "\$\{point\[@\]\}"$/m);
  assert.ok(fs.statSync(path.join(scripts, "logs")).isDirectory(), "the log directory exists before the jobs start");
  assert.deepEqual(
    readSweepRecord(out).runs.map((x) => x.name),
    ["max-lr-1e-3", "max-lr-3e-3"],
  );
});
