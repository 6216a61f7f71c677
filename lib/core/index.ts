export { WorkbenchError, ParseError, ConfigError, MissingDependencyError } from "./errors";
export { checkChoice } from "./choices";
export { Random, random } from "./random";
export { warnOnce, warningCounts, resetWarnings, setWarningSink } from "./warnings";
export { writeFileAtomic } from "./atomic";
export { formatProgress, cliProgress } from "./progress";
export type { ProgressEvent, OnProgress } from "./progress";
export { projectRoot } from "./paths";
