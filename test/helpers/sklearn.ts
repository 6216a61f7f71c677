import { execFileSync } from "node:child_process";
import { MissingDependencyError } from "../../lib/core";

/** Debian's python, which has sklearn (the first python3 on PATH may not). */
export const PYTHON = "/usr/bin/python3";

/** Throws a MissingDependencyError naming the package when sklearn cannot be imported; for requires(). */
export function sklearnAvailable(): void {
  try {
    execFileSync(PYTHON, ["-c", "import sklearn, numpy"], { stdio: "ignore" });
  } catch (e) {
    throw new MissingDependencyError(`${PYTHON} cannot import sklearn (apt-get install python3-sklearn)`, { cause: e });
  }
}

/** Runs a Python script with `input` as JSON on stdin and parses the JSON it prints. */
export function runPython<T>(script: string, input: unknown): T {
  return JSON.parse(execFileSync(PYTHON, ["-c", script], { input: JSON.stringify(input), encoding: "utf8" })) as T;
}
