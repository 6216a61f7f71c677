/**
 * `slurm`: batch scripts that run the workbench on a Slurm cluster, written
 * and (with --submit) submitted. `slurm embed` splits an embedding over a job
 * array and merges it; `slurm train` trains one run or a sweep (a job array
 * over the combinations) and summarises it; `slurm summary` is that summary.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { command, commandGroup, EXIT, flagName, main, parseOptions } from "../lib/cli";
import type { OptionSpecs, OptionValues } from "../lib/cli";
import { ConfigError, WorkbenchError } from "../lib/core";
import {
  embedJobs,
  expandSweep,
  formatSweepSummary,
  logDirectory,
  parseSweep,
  readSlurmConfig,
  resolveSlurmSettings,
  SLURM_DEFAULTS,
  submitJobs,
  summarizeSweep,
  SWEEP_RECORD,
  SWEEP_SUMMARY,
  trainJobs,
  writeJobScripts,
  writeSweepRecord,
  writeSweepSummary,
} from "../lib/cluster";
import type { PlannedJob, SlurmSettings, SweepAxis } from "../lib/cluster";
import { openDataset } from "../lib/dataset";
import { INFER_MODELS } from "../lib/interop";
import { resolveTrainOptions } from "../lib/train";
import type { TrainOptions } from "../lib/train";
import { trainCommand } from "../training/train";

/** What Slurm is asked for and how the jobs start: the same flags for every command, or a --config file. */
const SLURM_OPTIONS = {
  config: {
    type: "string",
    placeholder: "file.json",
    description:
      'Slurm settings as JSON, keys as these flags: {"partition": "gpu", "cpus-per-task": 8, "setup": ["module load nodejs/20"]}; flags win',
  },
  outDir: { type: "string", placeholder: "dir", description: "where the batch scripts and their logs/ go (default <out>.slurm)" },
  name: { type: "string", description: "the start of the jobs' names (default: the name of --out)" },
  submit: { type: "boolean", description: "submit the scripts with sbatch and print the job ids (else only write them)" },
  partition: { type: "string", description: "#SBATCH --partition (default: the cluster's)" },
  account: { type: "string", description: "#SBATCH --account" },
  qos: { type: "string", description: "#SBATCH --qos" },
  time: {
    type: "string",
    placeholder: "time",
    description: `#SBATCH --time of each job: minutes, HH:MM:SS or D-HH:MM:SS (default ${SLURM_DEFAULTS.time})`,
  },
  mem: { type: "string", placeholder: "size", description: "#SBATCH --mem, e.g. 16G (default: the cluster's)" },
  cpusPerTask: {
    type: "integer",
    min: 1,
    description: `#SBATCH --cpus-per-task; the workbench uses that many threads (default ${SLURM_DEFAULTS.cpusPerTask})`,
  },
  gpus: {
    type: "string",
    placeholder: "[type:]n",
    description: "#SBATCH --gpus, e.g. 1 or a100:1 (used by the tfjs-node-gpu engine where it is installed)",
  },
  constraint: { type: "string", description: "#SBATCH --constraint, e.g. a100" },
  sbatch: { type: "string", multiple: true, placeholder: "option", description: "one more #SBATCH line, e.g. --sbatch=--mail-type=END" },
  setup: {
    type: "string",
    multiple: true,
    placeholder: "line",
    description: 'a shell line run before the workbench, e.g. --setup "module load nodejs/20"',
  },
  workdir: { type: "string", placeholder: "dir", description: "the workbench checkout the jobs run in (default: this one)" },
  signalGrace: {
    type: "integer",
    min: 1,
    placeholder: "seconds",
    description: `how long before the time limit the job is told to save its work and stop (default ${SLURM_DEFAULTS.signalGrace})`,
  },
  maxRequeues: {
    type: "integer",
    min: 0,
    description: `a job stopped for its time limit requeues itself and continues, at most this often (default ${SLURM_DEFAULTS.maxRequeues})`,
  },
  maxParallel: {
    type: "integer",
    min: 1,
    placeholder: "n",
    description: "at most this many tasks of a job array at once (#SBATCH --array=…%n)",
  },
} as const satisfies OptionSpecs;

/** The Slurm settings of a command line: its flags over its --config file over the defaults. */
function settingsOf(values: OptionValues<typeof SLURM_OPTIONS>): SlurmSettings {
  const {
    partition,
    account,
    qos,
    constraint,
    time,
    mem,
    cpusPerTask,
    gpus,
    sbatch,
    setup,
    workdir,
    signalGrace,
    maxRequeues,
    maxParallel,
  } = values;
  const flags = {
    partition,
    account,
    qos,
    constraint,
    time,
    mem,
    cpusPerTask,
    gpus,
    sbatch,
    setup,
    workdir,
    signalGrace,
    maxRequeues,
    maxParallel,
  };
  return resolveSlurmSettings(flags, values.config === undefined ? {} : readSlurmConfig(values.config));
}

/** `runs/dense64.csv` → `dense64`: a job name from the output's name. */
function nameFrom(out: string): string {
  return path
    .basename(out)
    .replace(/\.(csv|npy)$/, "")
    .replace(/[^\w.-]/g, "_");
}

/** Writes the plan's scripts, submits them with --submit, and prints one line per job. */
function writeAndSubmit(plan: PlannedJob[], settings: SlurmSettings, outDir: string, submit: boolean): number {
  const written = writeJobScripts(plan, settings, outDir);
  const what = (j: PlannedJob) =>
    [
      j.job.tasks === undefined ? "" : `array of ${j.job.tasks} tasks`,
      j.after ? `after ${j.after.role} ${j.after.when === "afterok" ? "succeeded" : "ended"}` : "",
    ]
      .filter((s) => s)
      .join(", ");
  if (!submit) {
    for (const j of written) console.log(`${j.role} ${j.file}${what(j) ? ` (${what(j)})` : ""}`);
    console.log(`Logs go to ${logDirectory(outDir)}. Submit with the same command and --submit (the scripts wait for one another there).`);
    return EXIT.done;
  }
  const submitted = submitJobs(written);
  for (const j of submitted) console.log(`${j.role} ${j.id} ${j.file}${what(j) ? ` (${what(j)})` : ""}`);
  console.log(`Logs go to ${logDirectory(outDir)}; squeue -j ${submitted.map((j) => j.id).join(",")} shows the jobs.`);
  return EXIT.done;
}

export const slurmEmbedCommand = command({
  name: "embed",
  summary: "embed a dataset on a Slurm cluster: a job array of shards, then their merge (and the maps)",
  description:
    "Writes <out-dir>/embed.sh (a job array of --shards tasks: task i runs `embed --shard i/N`), merge.sh (`embed merge`, once every task\n" +
    "succeeded) and with --maps maps.sh (once the merge succeeded). A task stopped for its time limit or requeued continues from its\n" +
    "finished chunks.",
  options: {
    checkpoint: {
      type: "string",
      placeholder: "run dir | file.pth",
      description: "embed --checkpoint: a workbench run or checkpoint directory, or a PyTorch file",
      required: true,
    },
    model: {
      type: "string",
      choices: INFER_MODELS.filter((m) => m !== "vgg3d"),
      description: "embed --model: the autoencoder the checkpoint holds",
    },
    data: { type: "string", placeholder: "dataset dir", description: "dataset directory with a cache at the model's grid", required: true },
    out: {
      type: "string",
      placeholder: "file",
      description: "the merged table (embed --out); shard i is <out>.shard-i-of-N",
      required: true,
    },
    split: { type: "string", description: "embed --split: which neurons (default all)" },
    batch: { type: "integer", min: 1, description: "embed --batch: volumes per encoder call" },
    shards: { type: "integer", min: 1, placeholder: "N", description: "tasks of the job array, one shard each", required: true },
    maps: {
      type: "string",
      placeholder: "dir",
      description: "after the merge, draw the t-SNE and UMAP maps of the table into this directory (`maps`)",
    },
    ...SLURM_OPTIONS,
  },
  examples: [
    "npm run slurm -- embed --checkpoint runs/dense64 --model dense64 --data neurons --out emb/dense64 --shards 16 --partition cpu --time 4:00:00 --submit",
    'npm run slurm -- embed --checkpoint dense64.pth --model dense64 --data neurons --out emb/dense64 --shards 8 --config cluster.json --setup "module load nodejs/20"',
  ],
  run({ values }) {
    const settings = settingsOf(values);
    if (!fs.existsSync(values.checkpoint)) throw new ConfigError(`--checkpoint ${values.checkpoint}: no such file or directory`);
    const dataset = openDataset(values.data);
    const neurons = values.split === undefined || values.split === "all" ? dataset.ids().length : dataset.ids(values.split).length;
    if (neurons === 0) throw new ConfigError(`--split ${values.split}: no neurons in ${values.data} have this split`);
    if (values.shards > neurons) throw new ConfigError(`--shards ${values.shards}: more shards than the ${neurons} neurons to embed`);
    const plan = embedJobs({ ...values, name: values.name ?? nameFrom(values.out), workdir: settings.workdir });
    const outDir = values.outDir ?? `${values.out.replace(/\.(csv|npy)$/, "")}.slurm`;
    console.error(`${neurons} neurons in ${values.shards} shards of about ${Math.ceil(neurons / values.shards)}`);
    return writeAndSubmit(plan, settings, outDir, values.submit === true);
  },
});

/** train's own options, so that slurm train takes them as train does; `preset`, `data` and `out` are declared below. */
const { preset: _preset, data: _data, out: _out, resume: _resume, ...TRAIN_HYPERPARAMETERS } = trainCommand.options;
const HYPERPARAMETER_KEYS = Object.keys(TRAIN_HYPERPARAMETERS) as Array<keyof TrainOptions>;

/**
 * Checks every run's train command line with train's own parser and
 * checks, so a bad value is refused now and not after hours in the queue.
 */
function checkRuns(preset: string, fixed: string[], axes: SweepAxis[]): void {
  for (const point of expandSweep(axes).map((p) => p.values.flatMap((v) => [`--${v.key}`, v.value]))) {
    const argv = ["--preset", preset, "--data", "-", "--out", "-", ...fixed, ...point];
    try {
      const { preset: p, data: _d, out: _o, resume: _r, ...rest } = parseOptions(argv, trainCommand.options).values;
      resolveTrainOptions(p, rest as Partial<TrainOptions>);
    } catch (e) {
      if (!(e instanceof ConfigError) || point.length === 0) throw e;
      throw new ConfigError(`sweep run ${point.join(" ")}: ${e.message}`, { cause: e });
    }
  }
}

export const slurmTrainCommand = command({
  name: "train",
  summary: "train on a Slurm cluster: one run, or a sweep over hyperparameters as a job array with a summary",
  description:
    "Writes <out-dir>/train.sh. Without --sweep it trains one run in --out. With --sweep it is a job array, one task per combination\n" +
    "(the first --sweep varying slowest), each run in <out>/<option-value_…>, and summary.sh, run once the array has ended, writes\n" +
    `<out>/${SWEEP_SUMMARY} with each run's best validation F1 and IoU (also: slurm summary <out>). Every train option is taken as train takes it.\n` +
    "A task stopped for its time limit or requeued continues its run from the last checkpoint.",
  options: {
    preset: trainCommand.options.preset,
    data: trainCommand.options.data,
    out: { type: "string", placeholder: "dir", description: "the run directory; with --sweep, the directory of the runs", required: true },
    sweep: {
      type: "string",
      multiple: true,
      placeholder: "option=v1,v2",
      description: "train each of these values of a train option (or preset), e.g. --sweep max-lr=1e-3,3e-3 --sweep batch-size=8,16",
    },
    ...TRAIN_HYPERPARAMETERS,
    ...SLURM_OPTIONS,
  },
  examples: [
    "npm run slurm -- train --preset dense64 --data neurons --out runs/dense64 --gpus 1 --time 1-00:00:00 --submit",
    "npm run slurm -- train --preset tiny --data neurons --out runs/lr-sweep --sweep max-lr=1e-3,3e-3,1e-2 --sweep batch-size=8,16 --iterations 480",
  ],
  run({ values }) {
    const settings = settingsOf(values);
    openDataset(values.data);
    const axes = parseSweep(values.sweep, ["preset", ...HYPERPARAMETER_KEYS.map(flagName)]);
    const fixed: string[] = [];
    for (const k of HYPERPARAMETER_KEYS) {
      const v = values[k];
      if (v === undefined) continue;
      if (axes.some((a) => a.key === flagName(k))) throw new ConfigError(`--${flagName(k)} is both given and swept; drop one`);
      fixed.push(`--${flagName(k)}`, String(v));
    }
    checkRuns(values.preset, fixed, axes);
    const plan = trainJobs({
      name: values.name ?? nameFrom(values.out),
      workdir: settings.workdir,
      data: values.data,
      out: values.out,
      preset: values.preset,
      options: fixed,
      sweep: axes,
    });
    if (axes.length) console.error(`${plan[0]!.job.tasks} runs; their list: ${writeSweepRecord(values.out, axes)}`);
    return writeAndSubmit(plan, settings, values.outDir ?? `${values.out}.slurm`, values.submit === true);
  },
});

export const slurmSummaryCommand = command({
  name: "summary",
  summary: `each run's best validation F1 and IoU in a sweep of \`slurm train\`: a table, also written to <sweep>/${SWEEP_SUMMARY}`,
  description: `Reads <sweep>/${SWEEP_RECORD} and each run's log.jsonl. Exit code 1 when a run has not finished (the table is written all the same).`,
  options: {},
  positionals: { name: "sweep dir", description: "the --out of slurm train --sweep", min: 1, max: 1 },
  examples: ["npm run slurm -- summary runs/lr-sweep"],
  run({ positionals }) {
    const summary = summarizeSweep(positionals[0]!);
    console.log(formatSweepSummary(summary));
    console.log(`Written: ${writeSweepSummary(summary)}`);
    const open = summary.runs.filter((r) => r.status !== "finished");
    if (open.length)
      throw new WorkbenchError(
        `${open.length} of ${summary.runs.length} runs not finished: ${open.map((r) => `${r.name} (${r.status}, ${r.iteration}/${r.total})`).join(", ")}`,
      );
    return EXIT.done;
  },
});

export const slurmCommand = commandGroup({
  name: "slurm",
  summary: "run embeddings and training on a Slurm cluster: batch scripts written and submitted, sweeps summarised",
  description:
    "Each script asks for --signal=B:USR1@<grace> and --requeue: before the time limit the workbench saves its work and the job requeues\n" +
    "itself to continue; after scancel or pre-emption it saves its work too, and a requeued job continues.",
  commands: [slurmEmbedCommand, slurmTrainCommand, slurmSummaryCommand],
});

if (require.main === module) main(slurmCommand);
