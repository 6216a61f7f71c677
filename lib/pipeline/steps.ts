import * as fs from "node:fs";
import * as path from "node:path";
import { writeFileAtomic } from "../core";

/**
 * Long jobs made of named steps whose results are kept in a state file, so a
 * re-run skips what is done and an interrupted run continues where it
 * stopped (steps that can resume inside themselves, like training, do).
 */
export class StepRunner {
  private state: Record<string, unknown>;

  constructor(
    readonly stateFile: string,
    private readonly log: (line: string) => void = console.log,
  ) {
    this.state = fs.existsSync(stateFile) ? (JSON.parse(fs.readFileSync(stateFile, "utf8")) as Record<string, unknown>) : {};
  }

  /** Runs `fn` unless step `name` finished before; returns its (saved) result. */
  async step<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
    if (name in this.state) {
      this.log(`✓ ${name} (done before, kept)`);
      return this.state[name] as T;
    }
    this.log(`→ ${name}`);
    const start = Date.now();
    const result = await fn();
    this.state[name] = result;
    writeFileAtomic(this.stateFile, JSON.stringify(this.state, null, 2));
    this.log(`✓ ${name} (${((Date.now() - start) / 1000).toFixed(1)} s)`);
    return result;
  }

  /** The saved results of every finished step. */
  results(): Readonly<Record<string, unknown>> {
    return this.state;
  }
}

/** `file` relative to `dir`, with forward slashes (for links in HTML). */
export function relativeLink(dir: string, file: string): string {
  return path.relative(dir, file).split(path.sep).join("/");
}
