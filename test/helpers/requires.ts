/**
 * Runs `check` (which throws a MissingDependencyError naming what to install)
 * and says whether the test can go on. Without the tool the test is skipped
 * with that message, unless WORKBENCH_REQUIRE_ALL=1 (CI), where it fails.
 */
export function requires(t: { skip: (message: string) => void }, check: () => unknown): boolean {
  try {
    check();
    return true;
  } catch (err) {
    if (process.env.WORKBENCH_REQUIRE_ALL === "1") throw err;
    t.skip((err as Error).message);
    return false;
  }
}
