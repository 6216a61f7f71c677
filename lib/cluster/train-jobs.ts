import * as path from "node:path";
import { commandFile, type PlannedJob } from "./plan";
import { shellQuote } from "./script";
import { SWEEP_SUMMARY } from "./summary";
import { expandSweep, type SweepAxis } from "./sweep";

export interface TrainJobsOptions {
  /** The start of the jobs' names (`<name>-train`, `<name>-summary`). */
  name: string;
  /** The workbench the jobs run in (for the command files). */
  workdir: string;
  data: string;
  /** The run directory; with a sweep, the directory of the runs. */
  out: string;
  preset: string;
  /** train options for every run, as typed: ["--iterations", "400"]. */
  options: string[];
  /** The swept options; none: one run in `out`. */
  sweep: SweepAxis[];
}

/**
 * The run, or each run of a sweep, continues when its directory already
 * holds a checkpoint (a requeued or resubmitted task), with the run's own
 * settings; otherwise it starts with the given ones.
 */
function trainLines(train: string, data: string, start: string): string[] {
  return [
    'if [ -e "$run/checkpoints/last" ]; then',
    `  workbench ${train} --resume --data ${shellQuote(data)} --out "$run"`,
    "else",
    `  workbench ${train} ${start}`,
    "fi",
  ];
}

/**
 * The jobs of a training on a cluster: one job, or for a sweep a job array
 * with one task per combination (the first --sweep varying slowest), each in
 * its own run directory `<out>/<name from the values>`, then a summary of
 * every run's best validation scores once the array has ended.
 */
export function trainJobs(o: TrainJobsOptions): PlannedJob[] {
  const data = path.resolve(o.data);
  const out = path.resolve(o.out);
  const train = commandFile(o.workdir, "train");
  const sweptPreset = o.sweep.some((a) => a.key === "preset");
  const start =
    [...(sweptPreset ? [] : ["--preset", o.preset]), "--data", data, "--out"].map(shellQuote).join(" ") +
    ` "$run"${o.options.length ? ` ${o.options.map(shellQuote).join(" ")}` : ""}`;
  if (o.sweep.length === 0) {
    return [
      {
        role: "train",
        job: {
          name: `${o.name}-train`,
          description: [`Trains ${out} on ${data} (preset ${o.preset}).`],
          body: [`run=${shellQuote(out)}`, ...trainLines(train, data, start)],
        },
      },
    ];
  }
  const points = expandSweep(o.sweep);
  const cases = points.map(
    (p, i) =>
      `  ${i}) run=${shellQuote(path.join(out, p.name))}; point=(${p.values.map((v) => `--${v.key} ${shellQuote(v.value)}`).join(" ")}) ;;`,
  );
  return [
    {
      role: "train",
      job: {
        name: `${o.name}-train`,
        description: [
          `Trains the ${points.length} runs of the sweep ${o.sweep.map((a) => `${a.key}=${a.values.join(",")}`).join(" × ")} on ${data}, one per task, in ${out}/<run>.`,
        ],
        tasks: points.length,
        body: [
          'case "$SLURM_ARRAY_TASK_ID" in',
          ...cases,
          `  *) echo "task $SLURM_ARRAY_TASK_ID: the sweep has runs 0-${points.length - 1} only" >&2; exit 2 ;;`,
          "esac",
          ...trainLines(train, data, `${start} "\${point[@]}"`),
        ],
      },
    },
    {
      role: "summary",
      job: {
        name: `${o.name}-summary`,
        description: [`Writes ${path.join(out, SWEEP_SUMMARY)}: each run's best validation F1 and IoU, from its log.`],
        light: true,
        body: [`workbench ${commandFile(o.workdir, "slurm")} summary ${shellQuote(out)}`],
      },
      after: { role: "train", when: "afterany" },
    },
  ];
}
