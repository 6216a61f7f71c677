/**
 * `slurm embed` and `slurm train` against a real one-node Slurm: a 3-task
 * embedding array and its merge, a 2-run sweep and its summary, and a
 * training job requeued mid-run, all submitted at once. One embedding task
 * gets the time-limit signal as it starts and requeues itself.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseCsv } from "../../lib/io";
import { openDataset } from "../../lib/dataset";
import { embedDataset, readEmbeddingTable } from "../../lib/embeddings";
import { initEngine } from "../../lib/engine";
import { disposeInferenceNetwork, loadInferenceNetwork } from "../../lib/interop";
import { synthNeurons } from "../../lib/synthetic";
import { readTrainingLog, resolveTrainOptions, train, type TrainState } from "../../lib/train";
import { requires } from "../helpers/requires";
import { checkSlurm, startSlurm, type TestCluster } from "../helpers/slurm";

const ROOT = path.resolve(__dirname, "../..");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What every test job asks for: one of the node's two CPUs, a little memory, a 10-minute limit with a 60 s grace. */
const SMALL_JOB = ["--cpus-per-task", "1", "--mem", "500", "--time", "10", "--signal-grace", "60"];
/** The tiny preset cut down to seconds: 12 steps of 4 neurons, a checkpoint after each. */
const SHORT_TRAINING = [
  "--preset",
  "tiny",
  "--iterations",
  "12",
  "--batch-size",
  "4",
  "--validation-limit",
  "1",
  "--checkpoint-every",
  "1",
];

function slurmCli(cluster: TestCluster, args: string[]): Map<string, string> {
  const r = spawnSync(process.execPath, ["--import", "tsx", "cluster/slurm.ts", ...args, ...SMALL_JOB, "--submit"], {
    cwd: ROOT,
    env: cluster.env,
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  // One line per job: "<role> <job id> <script>".
  return new Map([...r.stdout.matchAll(/^(\w+) (\d+) /gm)].map((m) => [m[1]!, m[2]!]));
}

async function until<T>(what: string, timeoutMs: number, probe: () => T | undefined): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const found = probe();
    if (found !== undefined) return found;
    if (Date.now() > end) throw new Error(`gave up waiting for ${what} after ${timeoutMs / 1000} s`);
    await sleep(100);
  }
}

/** The pid of a running process whose arguments include all of `args` (Linux /proc). */
function processWith(args: string[]): number | undefined {
  for (const pid of fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    let argv: string[];
    try {
      argv = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    } catch {
      continue;
    }
    if (args.every((a) => argv.includes(a))) return Number(pid);
  }
  return undefined;
}

const read = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "");
/** A run's log without wall times, which differ between runs. */
const numbers = (run: string) => readTrainingLog(run).map(({ seconds: _s, ...rest }) => rest);

test("on a real Slurm: an embedding array, its merge, a sweep with its summary, and requeued jobs that continue", async (t) => {
  if (!requires(t, checkSlurm)) return;
  const cluster = await startSlurm();
  t.after(() => cluster.stop());
  // A space in every path the scripts carry, quoted in #SBATCH lines and in bash.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "slurm jobs "));
  const data = path.join(dir, "neurons");
  await initEngine({ quiet: true });
  await synthNeurons({ out: data, count: 9, seed: 3, points: 2000, grids: [32, 64] });
  const dataset = openDataset(data);
  const run64 = path.join(dir, "run64");
  await train(
    dataset,
    run64,
    resolveTrainOptions("tiny", { grid: 64, baseChannels: 2, iterations: 2, batchSize: 2, validationBatchSize: 1, validationLimit: 1 }),
  );

  const emb = path.join(dir, "emb", "dense64");
  const embedJobs = slurmCli(cluster, [
    "embed",
    "--checkpoint",
    run64,
    "--model",
    "dense64",
    "--data",
    data,
    "--out",
    emb,
    "--shards",
    "3",
  ]);
  // Task 0 of the array gets the time-limit signal (to its shell only, as Slurm sends it) while its
  // node process runs: the shell must pass it on, and requeue the task when node stops unfinished.
  const task0Log = path.join(`${emb}.slurm`, "logs", `dense64-embed-${embedJobs.get("embed")}_0.out`);
  await until("embed task 0's node process", 60_000, () => processWith(["embeddings/embed.ts", "--out", emb, "--shard", "0/3"]));
  cluster.run("scancel", ["--signal=USR1", "--batch", `${embedJobs.get("embed")}_0`]);

  const sweep = path.join(dir, "sweep");
  const sweepJobs = slurmCli(cluster, ["train", "--data", data, "--out", sweep, "--sweep", "max-lr=1e-3,3e-3", ...SHORT_TRAINING]);
  const single = path.join(dir, "single");
  const singleJobs = slurmCli(cluster, ["train", "--data", data, "--out", single, "--max-lr", "1e-3", ...SHORT_TRAINING]);
  assert.deepEqual([...embedJobs.keys(), ...sweepJobs.keys(), ...singleJobs.keys()], ["embed", "merge", "train", "summary", "train"]);

  // The single run: requeued by the scheduler (as on pre-emption) after its third step.
  const trainSteps = (run: string) =>
    read(path.join(run, "log.jsonl"))
      .split("\n")
      .filter((l) => l.includes('"kind":"train"')).length;
  await until("3 steps of the single run", 120_000, () => (trainSteps(single) >= 3 ? true : undefined));
  cluster.run("scontrol", ["requeue", singleJobs.get("train")!]);

  const net = loadInferenceNetwork(run64, "dense64");
  const whole = path.join(dir, "whole", "dense64");
  await embedDataset(net.autoencoder.encoder, dataset, 64, whole);
  disposeInferenceNetwork(net);

  try {
    await cluster.waitForEmptyQueue(240_000);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${cluster.daemonLogs()}`, { cause: e });
  }
  const finished = cluster.finishedJobs();
  /** The job logs of one `slurm` command, one after the other. */
  const logsOf = (out: string) => {
    const logDir = path.join(`${out}.slurm`, "logs");
    return fs
      .readdirSync(logDir)
      .sort()
      .map((f) => `${f}:\n${read(path.join(logDir, f))}`)
      .join("\n");
  };
  for (const j of finished.values()) {
    assert.equal(`${j.name} ${j.state} ${j.exitCode}`, `${j.name} COMPLETED 0:0`, [emb, sweep, single].map(logsOf).join("\n"));
  }
  assert.equal(finished.size, 3 + 1 + 2 + 1 + 1, "every job and task finished once");

  await t.test("the array's shards merge into the table a single process writes; the signalled task requeued itself and finished", () => {
    const merged = readEmbeddingTable(emb);
    const reference = readEmbeddingTable(whole);
    assert.equal(merged.ids.length, 9);
    assert.deepEqual(merged.ids, reference.ids);
    assert.deepEqual(merged.splits, reference.splits);
    assert.deepEqual(merged.labels, reference.labels);
    assert.deepEqual(merged.values, reference.values);
    const log = read(task0Log);
    assert.match(log, /stopped for the time limit; requeueing job \d+ to continue/);
    assert.match(log, /restart 1\n[\s\S]*3 neurons → .*dense64\.shard-0-of-3\.csv[\s\S]*exit 0\n$/);
  });

  await t.test("each sweep run has its own directory, settings and log; the summary lists each run's best validation scores", () => {
    const csv = parseCsv(read(path.join(sweep, "summary.csv")));
    assert.deepEqual(csv.columns, [
      "run",
      "max-lr",
      "status",
      "iterations",
      "best_f1",
      "best_f1_iteration",
      "best_iou",
      "best_iou_iteration",
    ]);
    assert.deepEqual(
      csv.rows.map((r) => r.slice(0, 4)),
      [
        ["max-lr-1e-3", "1e-3", "finished", "12/12"],
        ["max-lr-3e-3", "3e-3", "finished", "12/12"],
      ],
    );
    for (const [i, lr] of [1e-3, 3e-3].entries()) {
      const run = path.join(sweep, csv.rows[i]![0]!);
      assert.equal((JSON.parse(read(path.join(run, "config.json"))) as { maxLr: number }).maxLr, lr);
      assert.equal(readTrainingLog(run).filter((r) => r.kind === "train").length, 12);
      // The trainer's own record of its best, in its last checkpoint.
      const { best } = (JSON.parse(read(path.join(run, "checkpoints", "last", "state.json"))) as { state: TrainState }).state;
      assert.deepEqual(csv.rows[i]!.slice(4).map(Number), [best.f1!.value, best.f1!.iteration, best.iou!.value, best.iou!.iteration]);
    }
    const summaryLog = logsOf(sweep);
    assert.match(summaryLog, /run +max-lr +status +iterations +best_f1 .*\nmax-lr-1e-3 +1e-3 +finished +12\/12 +\d\.\d{4} /);
    assert.match(summaryLog, /best validation F1: \d\.\d{4}, max-lr-[13]e-3 \(iteration \d+\)/);
  });

  await t.test("the requeued run continued from its checkpoint to the numbers of the same run uninterrupted", () => {
    const log = logsOf(single);
    const resumed = /restart 1\n[\s\S]*Resuming .* at iteration (\d+)\/12/.exec(log);
    assert.ok(resumed, log);
    assert.ok(Number(resumed[1]) >= 3 && Number(resumed[1]) < 12, `resumed at iteration ${resumed[1]}`);
    assert.match(log, /Finished at iteration 12\/12/);
    assert.deepEqual(numbers(single), numbers(path.join(sweep, "max-lr-1e-3")));
  });
});
