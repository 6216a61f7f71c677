/**
 * A request to stop long work at its next safe point. Ctrl-C (SIGINT), a
 * scheduler's pre-emption or time limit (Slurm sends SIGTERM, or the signal
 * chosen with `--signal`, typically SIGUSR1) all ask the work to save what is
 * done and return; a second SIGINT kills at once, for a user who will not wait.
 */
export interface StopRequest {
  /** True once a stop signal has arrived. */
  readonly requested: boolean;
  /** The signal that asked, when one did. */
  readonly signal: NodeJS.Signals | null;
  /** Removes the handlers (the process then dies on those signals as usual). */
  release(): void;
}

export const STOP_SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGUSR1"];

/**
 * Listens for the stop signals; `what` tells the user what will be kept,
 * e.g. "after this step (a checkpoint is written)".
 */
export function listenForStop(name: string, what: string, stderr: NodeJS.WritableStream = process.stderr): StopRequest {
  let signal: NodeJS.Signals | null = null;
  const handler = (s: NodeJS.Signals): void => {
    if (signal !== null) {
      if (s === "SIGINT") process.exit(130);
      return;
    }
    signal = s;
    stderr.write(
      `\n${name}: ${s} received; stopping ${what}. Run the same command again to continue.${s === "SIGINT" ? " Ctrl-C again to kill." : ""}\n`,
    );
  };
  for (const s of STOP_SIGNALS) process.on(s, handler);
  return {
    get requested() {
      return signal !== null;
    },
    get signal() {
      return signal;
    },
    release() {
      for (const s of STOP_SIGNALS) process.off(s, handler);
    },
  };
}
