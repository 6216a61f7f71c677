// The workers' module of the pools in worker-pool.test.ts: each share writes
// which thread ran which job, and refuses when the job or the setup says so.
import type { Share } from "../../lib/core";

export interface ShareJob {
  out: Int32Array;
  /** Threads whose share throws. */
  refuse: number[];
}

export function setupShare(data: { refuseSetup?: number } | undefined, part: number): Share {
  if (data?.refuseSetup === part) throw new Error(`thread ${part} refuses to start`);
  return (slots, message) => {
    const job = message as ShareJob;
    if (job.refuse.includes(part)) throw new Error(`thread ${part} refuses job ${slots[0]}`);
    job.out[part] = 10 * slots[0]! + part;
  };
}
