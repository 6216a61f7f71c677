import { execFileSync } from "node:child_process";

/** Debian's python with torch (the first python3 on PATH may lack it). */
export const PYTHON = "/usr/bin/python3";

let available: boolean | undefined;

/**
 * The `skip` option for tests that need PyTorch: a message when it cannot be
 * imported, else false. CI sets WORKBENCH_REQUIRE_ALL=1; then the tests run
 * anyway and fail on the missing torch instead of being skipped.
 */
export function torchSkip(): string | false {
  if (process.env.WORKBENCH_REQUIRE_ALL === "1") return false;
  if (available === undefined) {
    try {
      execFileSync(PYTHON, ["-c", "import torch"], { stdio: "ignore" });
      available = true;
    } catch {
      available = false;
    }
  }
  return available ? false : `${PYTHON} cannot import torch (apt-get install python3-torch)`;
}

export function python(args: string[]): string {
  return execFileSync(PYTHON, args, { encoding: "utf8" });
}
