import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { MissingDependencyError, WorkbenchError } from "../../lib/core";
import { parsableJobId, submitJobs, type WrittenJob } from "../../lib/cluster";

/**
 * An sbatch that records its arguments and answers like `sbatch --parsable`
 * with ids from 41 on (with a cluster name, as multi-cluster sites do), or
 * refuses scripts whose name contains "bad".
 */
function fakeSbatch(): { program: string; calls: () => string[][] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-sbatch-"));
  const program = path.join(dir, "sbatch");
  const log = path.join(dir, "calls");
  fs.writeFileSync(
    program,
    [
      "#!/bin/bash",
      `printf '%s\\n' "$*" >> '${log}'`,
      'case "${@: -1}" in *bad*) echo "sbatch: error: invalid partition specified: nope" >&2; exit 1 ;; esac',
      `n=$(wc -l < '${log}')`,
      'echo "$((40 + n));cluster1"',
    ].join("\n"),
    { mode: 0o755 },
  );
  return {
    program,
    calls: () =>
      fs.existsSync(log)
        ? fs
            .readFileSync(log, "utf8")
            .trim()
            .split("\n")
            .map((l) => l.split(" "))
        : [],
  };
}

const job = (role: string, after?: WrittenJob["after"]): WrittenJob => ({
  role,
  file: `/jobs/${role}.sh`,
  job: { name: role, description: [], body: [] },
  after,
});

test("jobs are submitted in order, each with --dependency on the id sbatch gave the job it waits for", () => {
  const sbatch = fakeSbatch();
  const submitted = submitJobs(
    [job("embed"), job("merge", { role: "embed", when: "afterok" }), job("maps", { role: "merge", when: "afterany" })],
    sbatch.program,
  );
  assert.deepEqual(
    submitted.map((j) => [j.role, j.id]),
    [
      ["embed", "41"],
      ["merge", "42"],
      ["maps", "43"],
    ],
  );
  assert.deepEqual(sbatch.calls(), [
    ["--parsable", "/jobs/embed.sh"],
    ["--parsable", "--dependency=afterok:41", "--kill-on-invalid-dep=yes", "/jobs/merge.sh"],
    ["--parsable", "--dependency=afterany:42", "--kill-on-invalid-dep=yes", "/jobs/maps.sh"],
  ]);
  assert.equal(parsableJobId("123\n"), "123");
  assert.equal(parsableJobId("Submitted batch job 123"), null);
});

test("a refused job names sbatch's reason and the jobs already submitted; a missing sbatch says what to do", () => {
  const sbatch = fakeSbatch();
  assert.throws(
    () => submitJobs([job("embed"), job("bad-merge", { role: "embed", when: "afterok" })], sbatch.program),
    (e: unknown) =>
      e instanceof WorkbenchError &&
      e.message === "sbatch /jobs/bad-merge.sh: sbatch: error: invalid partition specified: nope (already submitted: embed 41)",
  );
  assert.throws(
    () => submitJobs([job("embed")], "/nonexistent/sbatch"),
    (e: unknown) =>
      e instanceof MissingDependencyError &&
      /\/nonexistent\/sbatch not found: submit from a machine with Slurm's commands, or submit the scripts yourself/.test(e.message),
  );
});
