import * as path from "node:path";
import { ConfigError } from "../core";
import { lightJobTime, type SlurmSettings } from "./settings";

/** One batch script: its #SBATCH header from the settings, the stop and requeue handling, then `body`. */
export interface BatchJob {
  /** #SBATCH --job-name; also the start of its log files' names. */
  name: string;
  /** What the job does, for the script's opening comment (one line each). */
  description: string[];
  /** A job array of this many tasks, numbered 0 … tasks − 1 (absent: one job). */
  tasks?: number;
  /** The job only joins or summarises: one CPU, no GPU, a short time limit (lightJobTime). */
  light?: boolean;
  /** Shell lines that do the work through `workbench <command file> <args…>`; the status of the last is the job's. */
  body: string[];
}

/** A word for bash: as it is when it holds no special character, else in single quotes. */
export function shellQuote(word: string): string {
  if (/^[\w@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A value on an #SBATCH line: sbatch reads double quotes there, so a path with spaces is quoted. */
function directiveValue(value: string, what: string): string {
  if (/["\r\n]/.test(value))
    throw new ConfigError(`${what}: an #SBATCH value cannot hold a double quote or a line break; found ${JSON.stringify(value)}`);
  return /\s/.test(value) ? `"${value}"` : value;
}

/** The #SBATCH lines of a job, in a fixed order. */
export function sbatchDirectives(job: BatchJob, s: SlurmSettings, logDir: string): string[] {
  // Slurm reads %j, %A, %a, … in file names; a % of the directory's own would be taken for one.
  if (logDir.includes("%"))
    throw new ConfigError(
      `--out-dir: Slurm would read the % in ${JSON.stringify(logDir)} as a file-name pattern; choose a directory without %`,
    );
  const log = path.join(logDir, `${job.name}-${job.tasks === undefined ? "%j" : "%A_%a"}.out`);
  const options: Array<[string, string | number | undefined]> = [
    ["job-name", directiveValue(job.name, "job name")],
    ["array", job.tasks === undefined ? undefined : `0-${job.tasks - 1}${s.maxParallel === undefined ? "" : `%${s.maxParallel}`}`],
    ["output", directiveValue(log, "log file")],
    ["open-mode", "append"],
    ["chdir", directiveValue(s.workdir, "--workdir")],
    ["time", job.light ? lightJobTime(s) : s.time],
    ["cpus-per-task", job.light ? 1 : s.cpusPerTask],
    ["mem", s.mem],
    ["gpus", job.light ? undefined : s.gpus],
    ["partition", s.partition],
    ["account", s.account],
    ["qos", s.qos],
    ["constraint", s.constraint === undefined ? undefined : directiveValue(s.constraint, "--constraint")],
  ];
  return [
    ...options.filter(([, v]) => v !== undefined).map(([k, v]) => `#SBATCH --${k}=${v}`),
    "#SBATCH --requeue",
    `#SBATCH --signal=B:USR1@${s.signalGrace}`,
    ...s.sbatch.map((o) => `#SBATCH ${o}`),
  ];
}

/**
 * The whole batch script. The workbench runs as one node process in the
 * background while the shell waits, because bash runs a trap only between
 * commands: so the shell can pass Slurm's signals on at once.
 */
export function renderBatchScript(job: BatchJob, s: SlurmSettings, logDir: string): string {
  const setup = s.setup.length === 0 ? [] : ["", "# Set-up: a failing line ends the job here.", "set -e", ...s.setup, "set +e"];
  return [
    "#!/bin/bash",
    ...job.description.map((l) => `# ${l}`),
    ...sbatchDirectives(job, s, logDir),
    "",
    `# Stop requests. Slurm sends SIGUSR1 to this shell ${s.signalGrace} s before the time limit (--signal above) and`,
    "# SIGTERM on scancel or pre-emption. Either is passed on to the workbench as SIGTERM: it saves its work",
    "# (train: a checkpoint; embed: its finished chunks) and exits with code 3.",
    "signal=",
    "child=",
    "on_signal() {",
    "  signal=$1",
    '  if [ -n "$child" ]; then kill -TERM "$child" 2>/dev/null; fi',
    "}",
    "trap 'on_signal USR1' USR1",
    "trap 'on_signal TERM' TERM",
    ...setup,
    "",
    `cd ${shellQuote(s.workdir)} || exit 1`,
    'export WORKBENCH_THREADS="${SLURM_CPUS_PER_TASK:-1}"',
    "",
    "# One workbench command as one node process: what `npm run <command>` runs, without npm and tsx's",
    "# launcher in between, so the signal reaches the workbench itself.",
    "workbench() {",
    '  if [ -n "$signal" ]; then return 3; fi',
    '  node --import tsx "$@" &',
    "  child=$!",
    '  if [ -n "$signal" ]; then kill -TERM "$child" 2>/dev/null; fi',
    '  wait "$child"',
    "  local code=$?",
    "  # A trap ends the wait early (status > 128): wait again for the workbench's own exit code.",
    '  while [ "$code" -gt 128 ] && kill -0 "$child" 2>/dev/null; do',
    '    wait "$child"',
    "    code=$?",
    "  done",
    "  child=",
    '  return "$code"',
    "}",
    "",
    'echo "$(date -Is) job $SLURM_JOB_ID${SLURM_ARRAY_TASK_ID:+ (task $SLURM_ARRAY_TASK_ID)} on $(hostname), restart ${SLURM_RESTART_COUNT:-0}"',
    ...job.body,
    "code=$?",
    "",
    "# Stopped for the time limit before the work was done: requeue this job (same id, same log) to continue.",
    `if [ "$code" -ne 0 ] && [ "$signal" = USR1 ] && [ "\${SLURM_RESTART_COUNT:-0}" -lt ${s.maxRequeues} ]; then`,
    '  echo "$(date -Is) stopped for the time limit; requeueing job $SLURM_JOB_ID to continue"',
    '  scontrol requeue "$SLURM_JOB_ID"',
    "fi",
    'echo "$(date -Is) exit $code"',
    'exit "$code"',
    "",
  ].join("\n");
}
