/**
 * Runs mutants of one format through its reader and sorts each outcome:
 * loaded, rejected (a WorkbenchError whose message names the file) or an
 * escape: any other error, a message that does not name the file, a call
 * slower than the limit, or memory far beyond what the file could need.
 *
 * A reader stuck in a loop cannot be stopped from inside its own process, so
 * runInChild runs a batch in a child process with a time limit; the child
 * reports each mutant before reading it, and a killed child names the mutant
 * that hung.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { WorkbenchError } from "../../lib/core";
import { formatNamed, scratchDir } from "./formats";
import type { FuzzFormat, Seed } from "./formats";
import { mutantSeed, mutate } from "./mutate";

export type EscapeKind = "error" | "unnamed" | "slow" | "memory" | "hang" | "crash";

export interface Escape {
  kind: EscapeKind;
  /** Mutant number within the run (with the run's seed it rebuilds the mutant). */
  index: number;
  seed: string;
  edits: string[];
  message: string;
}

export interface FormatReport {
  format: string;
  seeds: number;
  mutants: number;
  loaded: number;
  rejected: number;
  escapes: Escape[];
  seconds: number;
}

export interface RunOptions {
  iterations: number;
  /** Run seed; mutant i of format f is mutate(seed bytes, mutantSeed(seed, f, i)). */
  seed: number;
  /** First mutant number (default 0), to rerun one mutant: first = i, iterations = 1. */
  first?: number;
  /** A call slower than this is an escape (default 2000 ms). */
  slowMs?: number;
  /** Writes the bytes of every escaping mutant here, named for the format and number. */
  saveDir?: string;
  /** Called before each mutant is read. */
  onStart?: (index: number) => void;
}

const MiB = 1024 * 1024;
function memoryNow(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** The seeds whose unmutated file loads; running each once also warms the reader (lazy modules). */
async function validSeeds(format: FuzzFormat, dir: string): Promise<Seed[]> {
  const ok: Seed[] = [];
  for (const seed of format.seeds()) {
    const bytes = seed.pack ? seed.pack(seed.bytes) : seed.bytes;
    const file = path.join(dir, format.fileName(seed));
    fs.writeFileSync(file, bytes);
    try {
      await format.read(file, bytes, seed);
      ok.push(seed);
    } catch {
      // A fixture named for a defect is not a valid starting point.
    }
  }
  if (ok.length === 0) throw new Error(`fuzz ${format.name}: none of the fixtures loads unmutated`);
  return ok;
}

/** Runs the mutants in this process. */
export async function runMutants(format: FuzzFormat, options: RunOptions): Promise<FormatReport> {
  const dir = scratchDir();
  const started = Date.now();
  const slowMs = options.slowMs ?? 2000;
  const first = options.first ?? 0;
  const report: FormatReport = { format: format.name, seeds: 0, mutants: 0, loaded: 0, rejected: 0, escapes: [], seconds: 0 };
  try {
    const seeds = await validSeeds(format, dir);
    report.seeds = seeds.length;
    for (let index = first; index < first + options.iterations; index++) {
      const seed = seeds[index % seeds.length]!;
      const mutant = mutate(seed.bytes, mutantSeed(options.seed, format.name, index));
      const bytes = seed.pack ? seed.pack(mutant.bytes) : mutant.bytes;
      const file = path.join(dir, format.fileName(seed));
      fs.writeFileSync(file, bytes);
      const escape = (kind: EscapeKind, message: string): void => {
        report.escapes.push({ kind, index, seed: seed.name, edits: mutant.edits, message });
        if (options.saveDir) {
          fs.mkdirSync(options.saveDir, { recursive: true });
          fs.writeFileSync(path.join(options.saveDir, `${format.name}-${index}-${path.basename(file)}`), bytes);
        }
      };
      options.onStart?.(index);
      // No gc() here: a full collection costs more than most reads. The growth
      // measured is then what the call allocated, garbage included.
      const memoryBefore = memoryNow();
      const peakBefore = process.resourceUsage().maxRSS * 1024;
      const t0 = performance.now();
      try {
        await format.read(file, bytes, seed);
        report.loaded++;
      } catch (e) {
        if (!(e instanceof WorkbenchError)) {
          const where =
            (e as Error).stack
              ?.split("\n")
              .find((l) => l.includes("/lib/"))
              ?.trim() ?? "";
          escape("error", `${(e as Error).name}: ${(e as Error).message} ${where}`);
        } else if (!e.message.includes(path.basename(file))) {
          escape("unnamed", `${e.name} without the file's name: ${e.message}`);
        } else report.rejected++;
      }
      const ms = performance.now() - t0;
      const grew = Math.max(memoryNow() - memoryBefore, process.resourceUsage().maxRSS * 1024 - peakBefore);
      const allowed = 64 * MiB + format.expansion * bytes.length;
      if (ms > slowMs) escape("slow", `took ${ms.toFixed(0)} ms (limit ${slowMs})`);
      if (grew > allowed)
        escape("memory", `took ${(grew / MiB).toFixed(0)} MiB for a ${bytes.length}-byte file (limit ${(allowed / MiB).toFixed(0)} MiB)`);
      report.mutants++;
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  report.seconds = (Date.now() - started) / 1000;
  return report;
}

const CHILD = path.join(__dirname, "child.ts");

/**
 * Runs the mutants in a child process that is killed after `timeoutMs`;
 * a killed or crashed child becomes a "hang" or "crash" escape naming the
 * mutant it was reading.
 */
export function runInChild(formatName: string, options: Omit<RunOptions, "onStart">, timeoutMs: number): Promise<FormatReport> {
  formatNamed(formatName);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", CHILD, JSON.stringify({ format: formatName, ...options })], {
      cwd: path.resolve(__dirname, "../.."),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    let killed = false;
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => {
      killed = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      const lines = out.split("\n").filter((l) => l.startsWith("{"));
      const last = lines.length ? (JSON.parse(lines[lines.length - 1]!) as { start?: number; report?: FormatReport }) : {};
      if (last.report && code === 0) {
        resolve(last.report);
        return;
      }
      const index = last.start ?? -1;
      const kind: EscapeKind = killed ? "hang" : "crash";
      const message = killed
        ? `no answer within ${timeoutMs} ms`
        : `the child exited with ${code}: ${err.trim().split("\n").slice(-3).join(" | ")}`;
      const started = lines.filter((l) => l.includes('"start"')).length;
      resolve({
        format: formatName,
        seeds: 0,
        mutants: started,
        loaded: 0,
        rejected: 0,
        escapes: [{ kind, index, seed: "?", edits: [], message: `mutant ${index}: ${message}` }],
        seconds: timeoutMs / 1000,
      });
    });
  });
}

/** One line per format for the log, e.g. "swc: 300 mutants of 40 files: 120 loaded, 180 rejected, 0 escapes (3.1 s)". */
export function summaryLine(r: FormatReport): string {
  return `${r.format}: ${r.mutants} mutants of ${r.seeds} files: ${r.loaded} loaded, ${r.rejected} rejected, ${r.escapes.length} escapes (${r.seconds.toFixed(1)} s)`;
}

/** How to rebuild and rerun one escaping mutant. */
export function escapeLines(r: FormatReport, seed: number): string[] {
  return r.escapes.map(
    (e) =>
      `  ${e.kind} #${e.index} from ${e.seed} [${e.edits.join("; ")}]: ${e.message}\n    rerun: npm run fuzz -- --format ${r.format} --seed ${seed} --first ${e.index} --iterations 1`,
  );
}
