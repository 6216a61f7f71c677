import * as fs from "node:fs";
import * as path from "node:path";
import { checkChoice, ConfigError, projectRoot, withDefaults } from "../core";

/**
 * What a batch script asks of Slurm and how it prepares the job, from the
 * command's flags and a JSON config file (flags win; lists add up).
 */
export interface SlurmSettings {
  /** #SBATCH --partition (default: the cluster's default partition). */
  partition?: string;
  /** #SBATCH --account. */
  account?: string;
  /** #SBATCH --qos. */
  qos?: string;
  /** #SBATCH --constraint, e.g. "a100" or "intel&ib". */
  constraint?: string;
  /** #SBATCH --time of each workbench job, in any of Slurm's forms (minutes, H:MM:SS, D-HH:MM, …). */
  time: string;
  /** #SBATCH --mem per node, e.g. 16G (default: the cluster's default). */
  mem?: string;
  /** #SBATCH --cpus-per-task; the workbench uses that many threads. */
  cpusPerTask: number;
  /** #SBATCH --gpus, e.g. "1" or "a100:1". */
  gpus?: string;
  /** More #SBATCH lines, each an option as sbatch takes it ("--mail-type=END"). */
  sbatch: string[];
  /** Shell lines run before the workbench, e.g. "module load nodejs/20" or "conda activate neuro-shape-workbench". */
  setup: string[];
  /** The workbench checkout the jobs run in (default: this one). */
  workdir: string;
  /** Seconds before the time limit at which Slurm tells the job to save its work and stop. */
  signalGrace: number;
  /** How often a job stopped by its time limit requeues itself to continue. */
  maxRequeues: number;
  /** At most this many tasks of a job array at once (#SBATCH --array=…%N). */
  maxParallel?: number;
}

/**
 * The defaults. The grace covers the longest step that must finish before
 * the checkpoint is written: a dense64 training step at batch 50 on CPU
 * takes minutes (README), a GPU step or an embedding batch seconds.
 */
export const SLURM_DEFAULTS = {
  time: "12:00:00",
  cpusPerTask: 2,
  sbatch: [] as string[],
  setup: [] as string[],
  signalGrace: 300,
  maxRequeues: 10,
} as const;

/** The keys of the config file: the flags' names. */
const KEYS = {
  partition: "partition",
  account: "account",
  qos: "qos",
  constraint: "constraint",
  time: "time",
  mem: "mem",
  "cpus-per-task": "cpusPerTask",
  gpus: "gpus",
  sbatch: "sbatch",
  setup: "setup",
  workdir: "workdir",
  "signal-grace": "signalGrace",
  "max-requeues": "maxRequeues",
  "max-parallel": "maxParallel",
} as const satisfies Record<string, keyof SlurmSettings>;
type ConfigKey = keyof typeof KEYS;
export const SLURM_CONFIG_KEYS = Object.keys(KEYS) as ConfigKey[];
/** The flag (and config key) of each setting, for messages. */
const FLAG = Object.fromEntries(SLURM_CONFIG_KEYS.map((k) => [KEYS[k], k])) as Record<keyof SlurmSettings, ConfigKey>;

const INTEGER_KEYS: ReadonlyArray<keyof SlurmSettings> = ["cpusPerTask", "signalGrace", "maxRequeues", "maxParallel"];
const LIST_KEYS: ReadonlyArray<keyof SlurmSettings> = ["sbatch", "setup"];

/** Slurm's largest --signal offset. */
const MAX_SIGNAL_GRACE = 65535;

/**
 * Seconds of a Slurm time limit: "90" (minutes), "90:30" (minutes:seconds),
 * "2:00:00", "1-12" (days-hours), "1-12:30", "1-12:30:00"; Infinity for
 * UNLIMITED / INFINITE. Throws a ConfigError naming `what` otherwise.
 */
export function slurmTimeSeconds(text: string, what: string): number {
  const t = text.trim();
  if (/^(unlimited|infinite)$/i.test(t)) return Infinity;
  const days = /^(\d+)-(\d+)(?::(\d+))?(?::(\d+))?$/.exec(t);
  if (days) return Number(days[1]) * 86400 + Number(days[2]) * 3600 + Number(days[3] ?? 0) * 60 + Number(days[4] ?? 0);
  const parts = /^\d+(:\d+){0,2}$/.test(t) ? t.split(":").map(Number) : null;
  if (!parts)
    throw new ConfigError(
      `${what}: expected a Slurm time limit (minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS); found ${JSON.stringify(text)}`,
    );
  if (parts.length === 1) return parts[0]! * 60;
  if (parts.length === 2) return parts[0]! * 60 + parts[1]!;
  return parts[0]! * 3600 + parts[1]! * 60 + parts[2]!;
}

/** A value that goes on one #SBATCH line: no line breaks, and `what` names it in the error. */
function oneLine(value: string, what: string): string {
  if (/[\r\n]/.test(value)) throw new ConfigError(`${what}: must be one line; found ${JSON.stringify(value)}`);
  return value;
}

function checkWord(value: string | undefined, what: string, pattern: RegExp, expected: string): void {
  if (value !== undefined && !pattern.test(value)) throw new ConfigError(`${what}: expected ${expected}; found ${JSON.stringify(value)}`);
}

/** The extra #SBATCH option with its "#SBATCH" prefix dropped when given one. */
function sbatchOption(line: string, what: string): string {
  const option = oneLine(line, what)
    .replace(/^#SBATCH\s+/, "")
    .trim();
  if (!option.startsWith("-"))
    throw new ConfigError(`${what}: expected an sbatch option such as --mail-type=END; found ${JSON.stringify(line)}`);
  return option;
}

/**
 * Reads a JSON config file of Slurm settings, e.g.
 * `{"partition": "gpu", "cpus-per-task": 8, "setup": ["module load nodejs/20"]}`;
 * keys are the flags' names. Every key and type is checked; errors name the
 * file and the key.
 */
export function readSlurmConfig(file: string): Partial<SlurmSettings> {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new ConfigError(`${file}: cannot read as JSON (${(err as Error).message})`, { cause: err });
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new ConfigError(`${file}: expected a JSON object of settings such as {"partition": "gpu"}`);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const name = KEYS[checkChoice(`${file}: setting`, key, SLURM_CONFIG_KEYS)];
    const what = `${file}: "${key}"`;
    if (INTEGER_KEYS.includes(name)) {
      if (typeof value !== "number" || !Number.isInteger(value))
        throw new ConfigError(`${what}: expected a whole number; found ${JSON.stringify(value)}`);
      out[name] = value;
    } else if (LIST_KEYS.includes(name)) {
      const list = typeof value === "string" ? [value] : value;
      if (!Array.isArray(list) || !list.every((l) => typeof l === "string"))
        throw new ConfigError(`${what}: expected a list of strings (or one string); found ${JSON.stringify(value)}`);
      out[name] = list;
    } else {
      if (typeof value !== "string" && !(name === "time" && typeof value === "number"))
        throw new ConfigError(`${what}: expected a string; found ${JSON.stringify(value)}`);
      out[name] = String(value);
    }
  }
  const settings = checkSettings(out, (k) => `${file}: "${FLAG[k]}"`);
  // A relative workdir in the file means relative to the file.
  if (settings.workdir !== undefined) settings.workdir = path.resolve(path.dirname(file), settings.workdir);
  return settings;
}

/** Checks each given setting (`what` names it in errors); returns them with the extra #SBATCH lines normalised. */
function checkSettings(s: Partial<SlurmSettings>, what: (key: keyof SlurmSettings) => string): Partial<SlurmSettings> {
  for (const k of ["partition", "account", "qos", "mem", "gpus", "time"] as const) checkWord(s[k], what(k), /^\S+$/, "one word");
  if (s.constraint !== undefined) oneLine(s.constraint, what("constraint"));
  checkWord(s.mem, what("mem"), /^\d+[KMGT]?$/i, "a size such as 16G or 8000 (MB)");
  checkWord(s.gpus, what("gpus"), /^([\w-]+:)?\d+$/, "a count such as 1, or type:count such as a100:2");
  if (s.time !== undefined) slurmTimeSeconds(s.time, what("time"));
  for (const k of ["cpusPerTask", "maxParallel"] as const) {
    const n = s[k];
    if (n !== undefined && n < 1) throw new ConfigError(`${what(k)}: expected at least 1; found ${n}`);
  }
  if (s.maxRequeues !== undefined && s.maxRequeues < 0)
    throw new ConfigError(`${what("maxRequeues")}: expected 0 or more; found ${s.maxRequeues}`);
  if (s.signalGrace !== undefined && !(s.signalGrace >= 1 && s.signalGrace <= MAX_SIGNAL_GRACE)) {
    throw new ConfigError(`${what("signalGrace")}: expected seconds from 1 to ${MAX_SIGNAL_GRACE} (Slurm's limit); found ${s.signalGrace}`);
  }
  return s.sbatch === undefined ? s : { ...s, sbatch: s.sbatch.map((line) => sbatchOption(line, what("sbatch"))) };
}

/**
 * The settings of a job: the flags over the config file over the defaults.
 * The flags' lists (extra #SBATCH lines, set-up lines) come after the
 * file's, so a repeated #SBATCH option from a flag wins as sbatch takes the last.
 */
export function resolveSlurmSettings(flags: Partial<SlurmSettings>, config: Partial<SlurmSettings> = {}): SlurmSettings {
  const given = checkSettings(flags, (k) => `--${FLAG[k]}`);
  const s = withDefaults(withDefaults({ ...SLURM_DEFAULTS, workdir: projectRoot() }, config), given) as SlurmSettings;
  s.sbatch = [...(config.sbatch ?? []), ...(given.sbatch ?? [])];
  s.setup = [...(config.setup ?? []), ...(given.setup ?? [])];
  s.workdir = path.resolve(s.workdir);
  const limit = slurmTimeSeconds(s.time, "--time");
  if (s.signalGrace >= limit) {
    throw new ConfigError(
      `--signal-grace ${s.signalGrace} s is not shorter than --time ${s.time} (${limit} s): the job would be told to stop as it starts; lower --signal-grace or raise --time`,
    );
  }
  return s;
}

/** Seconds as Slurm's H:MM:SS. */
export function formatSlurmTime(seconds: number): string {
  const s = Math.round(seconds);
  return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

/**
 * The time limit of a job that only joins or summarises (seconds of work):
 * an hour, or the jobs' own limit when shorter, and always room for the grace.
 */
export function lightJobTime(s: SlurmSettings): string {
  const limit = slurmTimeSeconds(s.time, "--time");
  const light = Math.max(3600, 2 * s.signalGrace);
  return light < limit ? formatSlurmTime(light) : s.time;
}
