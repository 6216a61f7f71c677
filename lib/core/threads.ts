import * as os from "node:os";

/** The environment variable that sets how many threads the WebAssembly kernels and the t-SNE use (default: all cores). */
export const THREADS_ENV = "WORKBENCH_THREADS";

/** Threads to use when not given: WORKBENCH_THREADS when it is a positive integer, else all cores. */
export function defaultThreads(): number {
  const fromEnv = Number(process.env[THREADS_ENV]);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : os.availableParallelism();
}
