import { WorkbenchError } from "./errors";

/** The oldest Node the workbench runs on: ml-kmeans is an ES module that CommonJS code loads through require(esm), new in 20.19. */
export const MINIMUM_NODE = "20.19.0";

function parts(version: string): number[] {
  return version
    .replace(/^v/, "")
    .split(".")
    .map((p) => Number.parseInt(p, 10) || 0);
}

/** Whether `version` ("20.18.1", "v22.3.0") is at least MINIMUM_NODE. */
export function isSupportedNode(version: string): boolean {
  const have = parts(version);
  const need = parts(MINIMUM_NODE);
  for (let i = 0; i < need.length; i++) {
    if ((have[i] ?? 0) !== need[i]) return (have[i] ?? 0) > need[i]!;
  }
  return true;
}

/**
 * Throws a clear error on a Node too old for the workbench, before any
 * module fails later with ERR_REQUIRE_ESM. The CLIs and the notebook runner
 * call it at start; lib/core calls it when first loaded, which covers notebooks.
 */
export function requireSupportedNode(version: string = process.versions.node): void {
  if (!isSupportedNode(version)) {
    throw new WorkbenchError(
      `the workbench needs Node.js >= ${MINIMUM_NODE} (it loads ES-module packages through require); this is Node.js ${version}. ` +
        "Install a newer Node (e.g. `nvm install 22`, or `conda install -c conda-forge nodejs=22` in the environment) and run `npm ci` again.",
    );
  }
}
