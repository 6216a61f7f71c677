import { spawnSync } from "node:child_process";
import { MissingDependencyError, WorkbenchError } from "../core";
import type { WrittenJob } from "./plan";

/** A job handed to Slurm. */
export interface SubmittedJob extends WrittenJob {
  id: string;
}

/** The job id in `sbatch --parsable`'s answer ("123", or "123;cluster" on a multi-cluster site). */
export function parsableJobId(stdout: string): string | null {
  const id = stdout.trim().split(";")[0]!;
  return /^\d+$/.test(id) ? id : null;
}

/**
 * Submits the jobs in order with `sbatch --parsable`, each after the job
 * it waits for (`--dependency=afterok:<id>` or `afterany`); a job whose
 * dependency can no longer be met is cancelled by Slurm instead of waiting
 * for ever (`--kill-on-invalid-dep=yes`). When sbatch refuses one, the error
 * names the jobs already submitted, to cancel or keep.
 */
export function submitJobs(jobs: readonly WrittenJob[], sbatch = "sbatch"): SubmittedJob[] {
  const done: SubmittedJob[] = [];
  for (const job of jobs) {
    const args = ["--parsable"];
    if (job.after) {
      const on = done.find((d) => d.role === job.after!.role);
      if (!on) throw new WorkbenchError(`${job.file}: waits for the ${job.after.role} job, which is not submitted before it`);
      args.push(`--dependency=${job.after.when}:${on.id}`, "--kill-on-invalid-dep=yes");
    }
    const r = spawnSync(sbatch, [...args, job.file], { encoding: "utf8" });
    const already = done.length ? ` (already submitted: ${done.map((d) => `${d.role} ${d.id}`).join(", ")})` : "";
    if (r.error) {
      const missing = (r.error as NodeJS.ErrnoException).code === "ENOENT";
      const message = missing
        ? `${sbatch} not found: submit from a machine with Slurm's commands, or submit the scripts yourself`
        : `${sbatch}: ${r.error.message}`;
      throw missing ? new MissingDependencyError(`${message}${already}`) : new WorkbenchError(`${message}${already}`);
    }
    const id = r.status === 0 ? parsableJobId(r.stdout) : null;
    if (id === null) throw new WorkbenchError(`sbatch ${job.file}: ${(r.stderr || r.stdout).trim() || `exit code ${r.status}`}${already}`);
    done.push({ ...job, id });
  }
  return done;
}
