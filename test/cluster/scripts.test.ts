import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ConfigError } from "../../lib/core";
import {
  embedJobs,
  expandSweep,
  lightJobTime,
  parseSweep,
  readSlurmConfig,
  renderBatchScript,
  resolveSlurmSettings,
  sbatchDirectives,
  shellQuote,
  slurmTimeSeconds,
  trainJobs,
  type BatchJob,
} from "../../lib/cluster";

const ROOT = path.resolve(__dirname, "../..");
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "slurm-scripts-"));
const JOB: BatchJob = { name: "dense64-embed", description: ["Embeds."], tasks: 8, body: ["workbench embeddings/embed.ts --help"] };

function configFile(content: unknown): string {
  const file = path.join(tmp(), "cluster.json");
  fs.writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

test("the #SBATCH lines come from the flags over the config file over the defaults, in a fixed order", () => {
  const config = readSlurmConfig(
    configFile({
      partition: "cpu",
      account: "lab",
      "cpus-per-task": 8,
      time: 90,
      mem: "16G",
      sbatch: ["#SBATCH --mail-type=END", "--mail-user=me@lab.org"],
      setup: "module load nodejs/20",
      "max-parallel": 4,
    }),
  );
  const s = resolveSlurmSettings(
    { partition: "gpu", gpus: "a100:1", qos: "long", sbatch: ["--mail-type=FAIL"], setup: ["conda activate wb"], workdir: ROOT },
    config,
  );
  assert.deepEqual(sbatchDirectives(JOB, s, "/runs/x.slurm/logs"), [
    "#SBATCH --job-name=dense64-embed",
    "#SBATCH --array=0-7%4",
    "#SBATCH --output=/runs/x.slurm/logs/dense64-embed-%A_%a.out",
    "#SBATCH --open-mode=append",
    `#SBATCH --chdir=${ROOT}`,
    "#SBATCH --time=90",
    "#SBATCH --cpus-per-task=8",
    "#SBATCH --mem=16G",
    "#SBATCH --gpus=a100:1",
    "#SBATCH --partition=gpu",
    "#SBATCH --account=lab",
    "#SBATCH --qos=long",
    "#SBATCH --requeue",
    "#SBATCH --signal=B:USR1@300",
    "#SBATCH --mail-type=END",
    "#SBATCH --mail-user=me@lab.org",
    "#SBATCH --mail-type=FAIL",
  ]);
  assert.deepEqual(s.setup, ["module load nodejs/20", "conda activate wb"], "set-up lines: the file's, then the flags'");
  // A merge or summary job: one CPU, no GPU, an hour at most, one job (no array).
  const light = sbatchDirectives({ ...JOB, name: "dense64-merge", tasks: undefined, light: true }, s, "/l");
  assert.ok(light.includes("#SBATCH --output=/l/dense64-merge-%j.out"));
  assert.deepEqual(
    light.filter((l) => /time|cpus|gpus|array/.test(l)),
    ["#SBATCH --time=1:00:00", "#SBATCH --cpus-per-task=1"],
  );
  assert.equal(lightJobTime(resolveSlurmSettings({ time: "30", signalGrace: 60 })), "30", "the jobs' own limit when under an hour");
  assert.equal(lightJobTime(resolveSlurmSettings({ time: "2-00:00:00", signalGrace: 2400 })), "1:20:00", "room for twice the grace");
  const defaults = resolveSlurmSettings({});
  assert.deepEqual(
    sbatchDirectives({ ...JOB, tasks: undefined }, defaults, "/l").filter((l) => /time|cpus|mem|partition/.test(l)),
    ["#SBATCH --time=12:00:00", "#SBATCH --cpus-per-task=2"],
    "without settings: 12 hours on 2 CPUs, the cluster's partition and memory",
  );
  assert.equal(defaults.workdir, ROOT, "the jobs run in this checkout unless told otherwise");
});

test("paths with spaces and quotes are quoted for sbatch and for bash", () => {
  assert.equal(shellQuote("/data/neurons"), "/data/neurons");
  assert.equal(shellQuote("/my data/it's here"), `'/my data/it'\\''s here'`);
  assert.equal(shellQuote(""), "''");
  const dir = path.join(tmp(), "work bench");
  fs.mkdirSync(path.join(dir, "embeddings"), { recursive: true });
  fs.writeFileSync(path.join(dir, "embeddings", "embed.ts"), "");
  const s = resolveSlurmSettings({ workdir: dir, constraint: "a100&ib" });
  const [embed, merge] = embedJobs({
    name: "e",
    workdir: dir,
    checkpoint: "/runs/it's/dense64",
    data: "/my data",
    out: "/out dir/emb",
    shards: 3,
    batch: 4,
  });
  const script = renderBatchScript(embed!.job, s, "/out dir/emb.slurm/logs");
  assert.match(script, /^#SBATCH --output="\/out dir\/emb\.slurm\/logs\/e-embed-%A_%a\.out"$/m);
  assert.match(script, new RegExp(`^#SBATCH --chdir="${dir}"$`, "m"));
  assert.match(script, /^#SBATCH --constraint=a100&ib$/m);
  assert.match(script, new RegExp(`^cd '${dir}' \\|\\| exit 1$`, "m"));
  assert.match(
    script,
    /^workbench embeddings\/embed\.ts --checkpoint '\/runs\/it'\\''s\/dense64' --data '\/my data' --out '\/out dir\/emb' --batch 4 --shard "\$SLURM_ARRAY_TASK_ID\/3"$/m,
  );
  assert.match(
    renderBatchScript(merge!.job, s, "/l"),
    /^workbench embeddings\/embed\.ts merge --out '\/out dir\/emb' --shards 3 --data '\/my data'$/m,
  );
  assert.equal(merge!.after?.when, "afterok");
  const bash = spawnSync("bash", ["-n"], { input: script, encoding: "utf8" });
  assert.equal(bash.status, 0, `the script is valid bash: ${bash.stderr}`);
  assert.throws(
    () => sbatchDirectives(JOB, resolveSlurmSettings({ workdir: '/a "b"' }), "/l"),
    /--workdir: an #SBATCH value cannot hold a double quote/,
  );
  assert.throws(() => sbatchDirectives(JOB, s, "/runs/100%/logs"), /Slurm would read the % in "\/runs\/100%\/logs" as a file-name pattern/);
  assert.throws(
    () => embedJobs({ name: "e", workdir: dir, checkpoint: "c", data: "d", out: "o", shards: 2, maps: "m" }),
    /--workdir .*work bench: no embeddings\/maps\.ts there/,
  );
  fs.writeFileSync(path.join(dir, "embeddings", "maps.ts"), "");
  const withMaps = embedJobs({ name: "e", workdir: dir, checkpoint: "/c", data: "/d", out: "/o", shards: 2, maps: "/maps dir" });
  assert.deepEqual(
    withMaps.map((j) => [j.role, j.after?.role, j.after?.when]),
    [
      ["embed", undefined, undefined],
      ["merge", "embed", "afterok"],
      ["maps", "merge", "afterok"],
    ],
  );
  assert.deepEqual(withMaps[2]!.job.body, ["workbench embeddings/maps.ts --embeddings /o --out '/maps dir' --data /d"]);
});

test("the config file is checked key by key, naming the file and the key", () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ partiton: "gpu" }, /cluster\.json: setting: expected one of "partition", "account", .*; found "partiton"/],
    [{ "cpus-per-task": "8" }, /cluster\.json: "cpus-per-task": expected a whole number; found "8"/],
    [{ "cpus-per-task": 0 }, /cluster\.json: "cpus-per-task": expected at least 1; found 0/],
    [{ setup: [1] }, /cluster\.json: "setup": expected a list of strings \(or one string\); found \[1\]/],
    [{ time: "soon" }, /cluster\.json: "time": expected a Slurm time limit .*; found "soon"/],
    [{ mem: "lots" }, /cluster\.json: "mem": expected a size such as 16G/],
    [{ gpus: "two" }, /cluster\.json: "gpus": expected a count such as 1/],
    [{ partition: "a b" }, /cluster\.json: "partition": expected one word; found "a b"/],
    [{ sbatch: ["mail-type=END"] }, /cluster\.json: "sbatch": expected an sbatch option such as --mail-type=END; found "mail-type=END"/],
    [{ "signal-grace": 70000 }, /"signal-grace": expected seconds from 1 to 65535/],
    [["gpu"], /cluster\.json: expected a JSON object of settings/],
    ["{ partition: gpu }", /cluster\.json: cannot read as JSON/],
  ];
  for (const [content, message] of cases)
    assert.throws(
      () => readSlurmConfig(configFile(content)),
      (e: unknown) => e instanceof ConfigError && message.test(e.message),
      JSON.stringify(content),
    );
  const file = configFile({ workdir: "checkout" });
  assert.equal(readSlurmConfig(file).workdir, path.join(path.dirname(file), "checkout"), "a relative workdir is relative to the file");
  assert.throws(() => resolveSlurmSettings({ time: "5", signalGrace: 300 }), /--signal-grace 300 s is not shorter than --time 5 \(300 s\)/);
  assert.throws(() => resolveSlurmSettings({ mem: "16 G" }), /--mem: expected one word/);
});

test("Slurm's time limits in all their forms", () => {
  const cases: Array<[string, number]> = [
    ["90", 5400],
    ["90:30", 5430],
    ["2:00:00", 7200],
    ["1-12", 129600],
    ["1-12:30", 131400],
    ["1-12:30:15", 131415],
    ["UNLIMITED", Infinity],
  ];
  for (const [text, seconds] of cases) assert.equal(slurmTimeSeconds(text, "--time"), seconds, text);
  assert.throws(() => slurmTimeSeconds("1:2:3:4", "--time"), /--time: expected a Slurm time limit/);
});

test("a sweep expands with the first axis varying slowest; run names come from the values as typed", () => {
  const axes = parseSweep(["max-lr=1e-3,3e-3", "--batch-size=8, 16", "train-split=a/b"], ["max-lr", "batch-size", "train-split", "preset"]);
  assert.deepEqual(
    expandSweep(axes).map((p) => p.name),
    [
      "max-lr-1e-3_batch-size-8_train-split-a_b",
      "max-lr-1e-3_batch-size-16_train-split-a_b",
      "max-lr-3e-3_batch-size-8_train-split-a_b",
      "max-lr-3e-3_batch-size-16_train-split-a_b",
    ],
  );
  assert.deepEqual(expandSweep(axes)[1]!.values, [
    { key: "max-lr", value: "1e-3" },
    { key: "batch-size", value: "16" },
    { key: "train-split", value: "a/b" },
  ]);
  assert.deepEqual(expandSweep([]), [{ name: "", values: [] }]);
  const keys = ["max-lr", "seed"];
  assert.throws(
    () => parseSweep(["max-lr"], keys),
    /--sweep: expected <option>=<value>,<value>,… such as max-lr=1e-3,3e-3; found "max-lr"/,
  );
  assert.throws(() => parseSweep(["lr=1"], keys), /--sweep: option: expected one of "max-lr", "seed"; found "lr"/);
  assert.throws(() => parseSweep(["seed=1,,2"], keys), /--sweep seed: expected values separated by commas/);
  assert.throws(() => parseSweep(["seed=1,1"], keys), /--sweep seed: the value 1 is given twice/);
  assert.throws(() => parseSweep(["seed=1", "seed=2"], keys), /--sweep seed: given twice; list all its values in one --sweep seed=a,b,c/);
  assert.throws(
    () => expandSweep(parseSweep(["seed=a/b,a_b"], keys)),
    /--sweep: seed=a\/b and seed=a_b would share the run directory seed-a_b/,
  );
});

test("train jobs: one run continues from its checkpoint when it has one; a sweep is an array of runs and a summary after it", () => {
  const one = trainJobs({
    name: "r",
    workdir: ROOT,
    data: "/d",
    out: "/runs/r",
    preset: "dense64",
    options: ["--iterations", "400"],
    sweep: [],
  });
  assert.equal(one.length, 1);
  assert.equal(one[0]!.job.tasks, undefined);
  assert.deepEqual(one[0]!.job.body, [
    "run=/runs/r",
    'if [ -e "$run/checkpoints/last" ]; then',
    '  workbench training/train.ts --resume --data /d --out "$run"',
    "else",
    '  workbench training/train.ts --preset dense64 --data /d --out "$run" --iterations 400',
    "fi",
  ]);
  const sweep = trainJobs({
    name: "s",
    workdir: ROOT,
    data: "/d",
    out: "/runs/s",
    preset: "tiny",
    options: [],
    sweep: parseSweep(["preset=tiny,dense64", "seed=1,2"], ["preset", "seed"]),
  });
  assert.deepEqual(
    sweep.map((j) => [j.role, j.job.tasks, j.job.light ?? false, j.after?.role, j.after?.when]),
    [
      ["train", 4, false, undefined, undefined],
      ["summary", undefined, true, "train", "afterany"],
    ],
  );
  const body = sweep[0]!.job.body;
  assert.deepEqual(body.slice(0, 7), [
    'case "$SLURM_ARRAY_TASK_ID" in',
    "  0) run=/runs/s/preset-tiny_seed-1; point=(--preset tiny --seed 1) ;;",
    "  1) run=/runs/s/preset-tiny_seed-2; point=(--preset tiny --seed 2) ;;",
    "  2) run=/runs/s/preset-dense64_seed-1; point=(--preset dense64 --seed 1) ;;",
    "  3) run=/runs/s/preset-dense64_seed-2; point=(--preset dense64 --seed 2) ;;",
    '  *) echo "task $SLURM_ARRAY_TASK_ID: the sweep has runs 0-3 only" >&2; exit 2 ;;',
    "esac",
  ]);
  assert.equal(
    body[10],
    '  workbench training/train.ts --data /d --out "$run" "${point[@]}"',
    "a swept preset is not also given as the fixed one",
  );
  assert.deepEqual(sweep[1]!.job.body, ["workbench cluster/slurm.ts summary /runs/s"]);
  const bash = spawnSync("bash", ["-n"], {
    input: renderBatchScript(sweep[0]!.job, resolveSlurmSettings({ setup: ["module load nodejs/20"] }), "/l"),
    encoding: "utf8",
  });
  assert.equal(bash.status, 0, bash.stderr);
});
