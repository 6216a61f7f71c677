import { spawn } from "node:child_process";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");

export interface CommandOutcome {
  /** The exit code, null when a signal killed the process. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Whether `stopAt` matched and the stop signal was sent. */
  stopSent: boolean;
}

/**
 * Runs a command file (e.g. "training/train.ts") in a child process as its
 * npm script does (node with tsx, from the repository root). With `stopAt`,
 * the first stderr line it matches (a progress line) makes the test send
 * `signal` (default SIGTERM), as a scheduler pre-empting the job would.
 */
export function runCommandProcess(
  file: string,
  args: readonly string[],
  options: { stopAt?: RegExp; signal?: NodeJS.Signals; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CommandOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", file, ...args], { cwd: ROOT, env: options.env ?? process.env });
    let stdout = "";
    let stderr = "";
    let stopSent = false;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${file} ${args.join(" ")}: no exit after ${options.timeoutMs ?? 180_000} ms\n${stderr}`));
    }, options.timeoutMs ?? 180_000);
    child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => {
      stderr += s;
      if (options.stopAt && !stopSent && stderr.split("\n").some((line) => options.stopAt!.test(line))) {
        stopSent = true;
        child.kill(options.signal ?? "SIGTERM");
      }
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, stopSent });
    });
  });
}
