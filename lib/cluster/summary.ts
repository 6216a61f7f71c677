import * as fs from "node:fs";
import * as path from "node:path";
import { ParseError, writeFileAtomic } from "../core";
import { type Cell, formatCsv } from "../io";
import { readTrainingLog, type ValidationRecord } from "../train";
import { readSweepRecord } from "./sweep";

/** Where a run of a sweep stands, from its log. */
export type RunStatus = "finished" | "unfinished" | "not started";

export interface RunSummary {
  name: string;
  /** The run's value of each swept option. */
  values: Record<string, string>;
  status: RunStatus;
  /** Steps done (the last in the log). */
  iteration: number;
  /** Steps in all (from the run's config.json; 0 before it exists). */
  total: number;
  /** The validation that saved best-f1 last, i.e. the run's best F1 (nLat counts only the second half, as the trainer does). */
  bestF1: { value: number; iteration: number } | null;
  bestIou: { value: number; iteration: number } | null;
}

export interface SweepSummary {
  dir: string;
  /** The swept options, in the sweep's order. */
  keys: string[];
  runs: RunSummary[];
}

function best(validations: ValidationRecord[], checkpoint: "best-f1" | "best-iou", metric: "f1" | "iou"): RunSummary["bestF1"] {
  const last = validations.filter((v) => v.saved.includes(checkpoint)).pop();
  return last ? { value: last[metric], iteration: last.iteration } : null;
}

function configIterations(file: string): number {
  let iterations: unknown;
  try {
    iterations = (JSON.parse(fs.readFileSync(file, "utf8")) as { iterations?: unknown }).iterations;
  } catch (err) {
    throw new ParseError(file, {}, `not JSON (${(err as Error).message})`, { cause: err });
  }
  if (typeof iterations !== "number") throw new ParseError(file, {}, "no number of iterations; is this a training run's config.json?");
  return iterations;
}

/** One run directory's status and best validation scores, from its log.jsonl and config.json. */
export function summarizeRun(runDir: string, name: string, values: Record<string, string>): RunSummary {
  const config = path.join(runDir, "config.json");
  const total = fs.existsSync(config) ? configIterations(config) : 0;
  if (!fs.existsSync(path.join(runDir, "log.jsonl")))
    return { name, values, status: "not started", iteration: 0, total, bestF1: null, bestIou: null };
  const log = readTrainingLog(runDir);
  const validations = log.filter((r): r is ValidationRecord => r.kind === "validation");
  const iteration = log.reduce((m, r) => Math.max(m, r.iteration), 0);
  return {
    name,
    values,
    status: total > 0 && iteration >= total ? "finished" : "unfinished",
    iteration,
    total,
    bestF1: best(validations, "best-f1", "f1"),
    bestIou: best(validations, "best-iou", "iou"),
  };
}

/** Every run of the sweep in `dir` (its sweep.json), in the sweep's order. */
export function summarizeSweep(dir: string): SweepSummary {
  const record = readSweepRecord(dir);
  return { dir, keys: record.axes.map((a) => a.key), runs: record.runs.map((r) => summarizeRun(path.join(dir, r.name), r.name, r.values)) };
}

/** The summary's rows as table cells (scores in full; an empty cell when the run has none yet). */
function rows(s: SweepSummary): Array<Record<string, Cell>> {
  return s.runs.map((r) => ({
    run: r.name,
    ...r.values,
    status: r.status,
    iterations: `${r.iteration}/${r.total}`,
    best_f1: r.bestF1?.value ?? null,
    best_f1_iteration: r.bestF1?.iteration ?? null,
    best_iou: r.bestIou?.value ?? null,
    best_iou_iteration: r.bestIou?.iteration ?? null,
  }));
}

function columns(s: SweepSummary): string[] {
  return ["run", ...s.keys, "status", "iterations", "best_f1", "best_f1_iteration", "best_iou", "best_iou_iteration"];
}

/** The summary as aligned text, with the runs of best F1 and best IoU named below. */
export function formatSweepSummary(s: SweepSummary): string {
  const cols = columns(s);
  const shown = (c: Cell, col: string) =>
    c === null ? "" : typeof c === "number" && col.startsWith("best_") && !col.endsWith("_iteration") ? c.toFixed(4) : String(c);
  const cells = [cols, ...rows(s).map((r) => cols.map((c) => shown(r[c] ?? null, c)))];
  const widths = cols.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  const lines = cells.map((row) =>
    row
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd(),
  );
  for (const [label, pick] of [
    ["F1", (r: RunSummary) => r.bestF1],
    ["IoU", (r: RunSummary) => r.bestIou],
  ] as const) {
    const top = s.runs.filter((r) => pick(r)).sort((a, b) => pick(b)!.value - pick(a)!.value)[0];
    if (top) lines.push(`best validation ${label}: ${pick(top)!.value.toFixed(4)}, ${top.name} (iteration ${pick(top)!.iteration})`);
  }
  return lines.join("\n");
}

/** The file beside sweep.json that the summary writes. */
export const SWEEP_SUMMARY = "summary.csv";

/** Writes `<dir>/summary.csv` (atomically) and returns its path. */
export function writeSweepSummary(s: SweepSummary): string {
  const file = path.join(s.dir, SWEEP_SUMMARY);
  writeFileAtomic(file, formatCsv(columns(s), rows(s)));
  return file;
}
