export { WorkbenchError, ParseError, ConfigError, MissingDependencyError } from "./errors";
export { checkChoice } from "./choices";
export { definedFields, withDefaults } from "./defaults";
export type { Defined } from "./defaults";
export { Random, random } from "./random";
export { warnOnce, warningCounts, resetWarnings, setWarningSink } from "./warnings";
export { writeFileAtomic, writeFileSynced } from "./atomic";
export { formatProgress, cliProgress } from "./progress";
export type { ProgressEvent, OnProgress } from "./progress";
export { projectRoot } from "./paths";
export { THREADS_ENV, defaultThreads } from "./threads";
export { WorkerPool } from "./worker-pool";
export type { Share, WorkerPoolOptions } from "./worker-pool";
export { workerEntry } from "./worker-loader";
export { MINIMUM_NODE, isSupportedNode, requireSupportedNode } from "./node-version";

import { requireSupportedNode } from "./node-version";
// Every entry point (CLI, notebook cell, test) loads lib/core first: fail here, with the fix, on too old a Node.
requireSupportedNode();
