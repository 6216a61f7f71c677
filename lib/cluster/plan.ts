import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError, writeFileAtomic } from "../core";
import { type BatchJob, renderBatchScript } from "./script";
import type { SlurmSettings } from "./settings";

/** The command files the jobs run, relative to the workbench. */
export const COMMAND_FILES = {
  embed: "embeddings/embed.ts",
  maps: "embeddings/maps.ts",
  train: "training/train.ts",
  slurm: "cluster/slurm.ts",
} as const;

/** The command file `which` as the jobs call it; refused when the workbench in `workdir` lacks it. */
export function commandFile(workdir: string, which: keyof typeof COMMAND_FILES): string {
  const file = COMMAND_FILES[which];
  if (!fs.existsSync(path.join(workdir, file))) {
    throw new ConfigError(
      `--workdir ${workdir}: no ${file} there, so the jobs could not run \`${which}\`; give the workbench checkout the jobs should run in`,
    );
  }
  return file;
}

/** One job of a plan: a script, and the earlier job of the plan it waits for. */
export interface PlannedJob {
  /** What it does, short: "embed", "merge", "train", …; the script is <out-dir>/<role>.sh. */
  role: string;
  job: BatchJob;
  /** afterok: start once every task of that job succeeded; afterany: once it ended, in any state. */
  after?: { role: string; when: "afterok" | "afterany" };
}

/** A plan's job once its script is written. */
export interface WrittenJob extends PlannedJob {
  file: string;
}

/** Where a plan's job logs go. */
export function logDirectory(outDir: string): string {
  return path.join(path.resolve(outDir), "logs");
}

/**
 * Writes each job's script into `outDir` (atomically) and creates the log
 * directory, which Slurm does not create: a job whose log cannot be opened
 * fails without a word.
 */
export function writeJobScripts(jobs: readonly PlannedJob[], settings: SlurmSettings, outDir: string): WrittenJob[] {
  const logs = logDirectory(outDir);
  fs.mkdirSync(logs, { recursive: true });
  return jobs.map((j) => {
    const file = path.join(path.resolve(outDir), `${j.role}.sh`);
    writeFileAtomic(file, renderBatchScript(j.job, settings, logs));
    return { ...j, file };
  });
}
