import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { openDataset, type Dataset } from "../../lib/dataset";
import { embedDataset, embeddingFiles, readEmbeddingTable } from "../../lib/embeddings";
import { initEngine } from "../../lib/engine";
import { disposeInferenceNetwork, exportStateDict, loadInferenceNetwork } from "../../lib/interop";
import { createAutoencoder } from "../../lib/models";
import { synthNeurons } from "../../lib/synthetic";
import { resolveTrainOptions, Trainer } from "../../lib/train";
import { runCommandProcess } from "../helpers/command-process";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "embed-cli-"));
const NEURONS = 64;
let dataset: Dataset;
let run = "";

before(async () => {
  await initEngine({ quiet: true });
  const data = path.join(tmp(), "neurons");
  await synthNeurons({ out: data, count: NEURONS, points: 2000, grids: [32], seed: 4 });
  dataset = openDataset(data);
  // A tiny run directory as `train --preset tiny` starts it: config.json and a checkpoint with the training state.
  run = path.join(tmp(), "tiny");
  const trainer = Trainer.create(dataset, run, resolveTrainOptions("tiny"));
  trainer.saveLast();
  trainer.dispose();
});

const embed = (out: string, ...more: string[]) => [
  "--checkpoint",
  run,
  "--data",
  dataset.dir,
  "--out",
  out,
  "--batch",
  "1",
  "--chunk",
  "4",
  ...more,
];

test("a tiny run embeds without --model; SIGUSR1 (Slurm's --signal) keeps the finished chunks and exits 3; the same command finishes the same table; a third run computes nothing", async () => {
  const dir = tmp();
  const straight = await runCommandProcess("embeddings/embed.ts", embed(path.join(dir, "whole")));
  assert.equal(straight.code, 0, straight.stderr);
  assert.match(straight.stderr, /autoencoder \(dense, grid 32, 8 base channels\) from /);
  assert.match(
    straight.stdout,
    new RegExp(
      `^${NEURONS} neurons → .*whole\\.csv, .*whole\\.npy \\(${NEURONS} embedded now at [\\d.]+ neurons/s on \\S+, [\\d.]+ % of the time in the encoder\\)\n$`,
    ),
  );

  const out = path.join(dir, "stopped");
  const first = await runCommandProcess("embeddings/embed.ts", embed(out), { stopAt: /^embedding neurons \[.*\] 1\//, signal: "SIGUSR1" });
  assert.ok(first.stopSent, first.stderr);
  assert.equal(first.code, 3, first.stderr);
  assert.match(first.stderr, /embed: SIGUSR1 received; stopping after this batch \(finished chunks are kept\)\./);
  const [, saved] = new RegExp(`^Stopped: (\\d+) of ${NEURONS} neurons saved in finished chunks`).exec(first.stdout) ?? [];
  assert.ok(Number(saved) < NEURONS && Number(saved) % 4 === 0, first.stdout);
  assert.equal(fs.readdirSync(`${out}.parts`).filter((f) => f.endsWith(".npy")).length, Number(saved) / 4);
  assert.ok(!fs.existsSync(embeddingFiles(out).csv));

  const second = await runCommandProcess("embeddings/embed.ts", embed(out));
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, new RegExp(`\\(${NEURONS - Number(saved)} embedded now`), "the saved chunks are not recomputed");
  assert.deepEqual(readEmbeddingTable(out), readEmbeddingTable(path.join(dir, "whole")));
  assert.ok(fs.readFileSync(embeddingFiles(out).csv).equals(fs.readFileSync(path.join(dir, "whole.csv"))));

  const files = embeddingFiles(out);
  const mtimes = [files.csv, files.npy, files.meta].map((f) => fs.statSync(f).mtimeMs);
  const third = await runCommandProcess("embeddings/embed.ts", embed(out));
  assert.equal(third.code, 0, third.stderr);
  assert.match(
    third.stdout,
    new RegExp(`^Already complete: ${NEURONS} neurons in .*stopped\\.csv, .*stopped\\.npy; nothing recomputed\\.\n$`),
  );
  assert.doesNotMatch(third.stderr, /embedding neurons|autoencoder|Engine/, "neither the engine nor the checkpoint is loaded");
  assert.deepEqual(
    [files.csv, files.npy, files.meta].map((f) => fs.statSync(f).mtimeMs),
    mtimes,
    "the table is not rewritten",
  );
});

test("--shard slurm takes i and N from the job array's environment; merge joins the shards into the unsharded table", async () => {
  const dir = tmp();
  const out = path.join(dir, "emb");
  const {
    SLURM_ARRAY_TASK_ID: _i,
    SLURM_ARRAY_TASK_COUNT: _n,
    SLURM_ARRAY_TASK_MIN: _lo,
    SLURM_ARRAY_TASK_MAX: _hi,
    SLURM_ARRAY_TASK_STEP: _s,
    ...env
  } = process.env;
  const missing = await runCommandProcess("embeddings/embed.ts", embed(out, "--shard", "slurm"), { env });
  assert.equal(missing.code, 2);
  assert.match(
    missing.stderr,
    /^embed: --shard slurm: SLURM_ARRAY_TASK_ID is not set, so this is not a task of a Slurm job array .*; give --shard i\/N instead\n$/,
  );
  // `sbatch --array=1-2`: the second task, and the first as an older Slurm describes it (no COUNT).
  const tasks = [
    { SLURM_ARRAY_TASK_ID: "2", SLURM_ARRAY_TASK_COUNT: "2", SLURM_ARRAY_TASK_MIN: "1", SLURM_ARRAY_TASK_MAX: "2" },
    { SLURM_ARRAY_TASK_ID: "1", SLURM_ARRAY_TASK_MIN: "1", SLURM_ARRAY_TASK_MAX: "2" },
  ];
  for (const task of tasks) {
    const r = await runCommandProcess("embeddings/embed.ts", embed(out, "--shard", "slurm"), { env: { ...env, ...task } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`shard ${Number(task.SLURM_ARRAY_TASK_ID) - 1}/2`));
  }
  assert.ok(fs.existsSync(`${out}.shard-0-of-2.npy`) && fs.existsSync(`${out}.shard-1-of-2.npy`));
  const merged = await runCommandProcess("embeddings/embed.ts", ["merge", "--out", out, "--shards", "2", "--data", dataset.dir]);
  assert.equal(merged.code, 0, merged.stderr);
  assert.match(merged.stdout, new RegExp(`^merged ${NEURONS} rows: every id present exactly once`));
  const net = loadInferenceNetwork(run);
  try {
    const single = path.join(dir, "single");
    await embedDataset(net.autoencoder.encoder, dataset, 32, single);
    assert.deepEqual(readEmbeddingTable(out), readEmbeddingTable(single));
  } finally {
    disposeInferenceNetwork(net);
  }
});

test("a table already written for other neurons is refused, not overwritten", async () => {
  const out = path.join(tmp(), "emb");
  const net = loadInferenceNetwork(run);
  try {
    const first = await embedDataset(net.autoencoder.encoder, dataset, 32, out, { split: "val" });
    assert.equal(first.alreadyComplete, false);
    const again = await embedDataset(net.autoencoder.encoder, dataset, 32, out, { split: "val" });
    assert.deepEqual([again.alreadyComplete, again.computed, again.saved], [true, 0, dataset.ids("val").length]);
    await assert.rejects(
      embedDataset(net.autoencoder.encoder, dataset, 32, out),
      new RegExp(
        `already holds a table of ${dataset.ids("val").length} other neurons than the ${NEURONS} this run embeds .*; delete it or write elsewhere`,
      ),
    );
    assert.deepEqual(readEmbeddingTable(out).ids, dataset.ids("val"));
  } finally {
    disposeInferenceNetwork(net);
  }
});

test("--model is needed for a .pth and must agree with a run directory; both mistakes are usage errors", async () => {
  const dir = tmp();
  const pth = path.join(dir, "tiny.pth");
  const ae = createAutoencoder({ grid: 32, baseChannels: 2, seed: 1 });
  exportStateDict(pth, ae);
  ae.model.dispose();
  const bare = await runCommandProcess("embeddings/embed.ts", ["--checkpoint", pth, "--data", dataset.dir, "--out", path.join(dir, "x")]);
  assert.equal(bare.code, 2);
  assert.match(
    bare.stderr,
    /^embed: .*tiny\.pth is a PyTorch file, which does not say which model it holds: name it with --model \(dense32, nlat32, .*\); a workbench run directory needs no --model\n$/m,
  );
  const named = await runCommandProcess("embeddings/embed.ts", [
    "--checkpoint",
    pth,
    "--model",
    "nlat32",
    "--data",
    dataset.dir,
    "--out",
    path.join(dir, "named"),
  ]);
  assert.equal(named.code, 0, named.stderr);
  assert.match(named.stderr, /autoencoder \(nlat, grid 32, 2 base channels\) from /);
  const wrong = await runCommandProcess("embeddings/embed.ts", embed(path.join(dir, "y"), "--model", "nlat32"));
  assert.equal(wrong.code, 2);
  assert.match(
    wrong.stderr,
    /^embed: model nlat32 is a nlat autoencoder of grid 32, but .*tiny holds an autoencoder \(dense, grid 32, 8 base channels\); leave the model out, the directory says what it holds\n$/m,
  );
});
