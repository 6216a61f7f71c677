import { execFileSync } from "node:child_process";
import { MissingDependencyError } from "../../lib/core";

/** Debian's python, which has the packages the tests need (the first python3 on PATH may lack them). */
export const PYTHON = "/usr/bin/python3";

const importable = new Map<string, boolean>();

/**
 * A check for requires(): throws a MissingDependencyError saying how to
 * install `module` when PYTHON cannot import it. Each module is tried once.
 */
export function pythonModule(module: string, install: string): () => void {
  return () => {
    if (!importable.has(module)) {
      try {
        execFileSync(PYTHON, ["-c", `import ${module}`], { stdio: "ignore" });
        importable.set(module, true);
      } catch {
        importable.set(module, false);
      }
    }
    if (!importable.get(module)) throw new MissingDependencyError(`${PYTHON} cannot import ${module} (${install})`);
  };
}

/** PyTorch, for the tests that check files against torch.load and the reference networks. */
export const pytorch = pythonModule("torch", "apt-get install python3-torch");

/** scikit-learn and numpy, for the tests that compare with sklearn's estimators. */
export const sklearn = pythonModule("sklearn, numpy", "apt-get install python3-sklearn");

export function python(args: string[]): string {
  return execFileSync(PYTHON, args, { encoding: "utf8" });
}

/** Runs a Python script with `input` as JSON on stdin and parses the JSON it prints. */
export function pythonJson(script: string, input: unknown): unknown {
  return JSON.parse(execFileSync(PYTHON, ["-c", script], { input: JSON.stringify(input), encoding: "utf8" }));
}
