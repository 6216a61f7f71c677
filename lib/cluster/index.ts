export {
  SLURM_CONFIG_KEYS,
  SLURM_DEFAULTS,
  formatSlurmTime,
  lightJobTime,
  readSlurmConfig,
  resolveSlurmSettings,
  slurmTimeSeconds,
} from "./settings";
export type { SlurmSettings } from "./settings";
export { renderBatchScript, sbatchDirectives, shellQuote } from "./script";
export type { BatchJob } from "./script";
export { COMMAND_FILES, commandFile, logDirectory, writeJobScripts } from "./plan";
export type { PlannedJob, WrittenJob } from "./plan";
export { embedJobs } from "./embed-jobs";
export type { EmbedJobsOptions } from "./embed-jobs";
export { trainJobs } from "./train-jobs";
export type { TrainJobsOptions } from "./train-jobs";
export { SWEEP_RECORD, expandSweep, parseSweep, readSweepRecord, writeSweepRecord } from "./sweep";
export type { SweepAxis, SweepPoint, SweepRecord } from "./sweep";
export { SWEEP_SUMMARY, formatSweepSummary, summarizeRun, summarizeSweep, writeSweepSummary } from "./summary";
export type { RunStatus, RunSummary, SweepSummary } from "./summary";
export { parsableJobId, submitJobs } from "./sbatch";
export type { SubmittedJob } from "./sbatch";
