import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { ConfigError, WorkerPool } from "../../lib/core";

const file = path.join(__dirname, "worker-pool-share.fixture.ts");

/** The cases of worker-pool-cases.fixture.ts, run in a child with a time limit, as a hang blocks the waiting thread. */
function cases(): Record<string, string[]> {
  const script = path.join(__dirname, "worker-pool-cases.fixture.ts");
  const r = spawnSync(process.execPath, ["--import", "tsx", script], { encoding: "utf8", timeout: 60_000 });
  assert.equal(r.signal, null, `the pool hung after: ${r.stdout}`);
  assert.equal(r.status, 0, r.stderr);
  return Object.fromEntries(
    r.stdout
      .trim()
      .split("\n")
      .map((line) => {
        const { name, results } = JSON.parse(line) as { name: string; results: string[] };
        return [name, results];
      }),
  );
}

test("worker pool: every thread runs its share of each job with the job's slots and message; a failing share names its thread, a worker that cannot load its module fails every job instead of hanging", () => {
  const r = cases();
  assert.deepEqual(r.shares, ["10,11,12", "20,21,22"]);
  const [failed, after] = r.failing!;
  assert.match(
    failed!,
    /^demo job 1 failed on calling thread: Error: thread 0 refuses job 1; worker thread 2: Error: thread 2 refuses job 1\n/,
  );
  assert.doesNotMatch(failed!, /worker thread 1/);
  assert.equal(after, "20,21,22", "the pool works after a failed job");
  assert.equal(r.setup!.length, 2);
  for (const [i, message] of r.setup!.entries()) {
    assert.match(
      message,
      new RegExp(
        `^demo job ${i + 1} failed on worker thread 1: could not load .*worker-pool-share\\.fixture\\.ts: Error: thread 1 refuses to start\\n`,
      ),
    );
    assert.doesNotMatch(message, /worker thread 2/);
  }
  assert.match(r.missing![0]!, /^demo job 1 failed on worker thread 1: could not load .*no-such-module\.ts: Error: Cannot find module/);
});

test("worker pool: one thread runs the job here alone; threads must be a positive integer; one job at a time", () => {
  const pool = new WorkerPool({ name: "demo", threads: 1, file });
  assert.equal(pool.threads, 1);
  let ran = 0;
  pool.run("job", () => ran++, { ignored: true });
  assert.equal(ran, 1);
  assert.throws(
    () =>
      pool.run("job", () => {
        throw new RangeError("too far");
      }),
    (e: Error) => e.message === "demo job failed on calling thread: RangeError: too far" && e.cause instanceof RangeError,
  );
  pool.start();
  assert.throws(() => pool.start(), /^Error: demo: a job was started while another was running$/);
  pool.finish("job", () => ran++);
  assert.throws(() => pool.finish("job", () => ran++), /^Error: demo job: finished without being started$/);
  assert.equal(ran, 2);
  for (const threads of [0, 1.5, Number.NaN]) {
    assert.throws(
      () => new WorkerPool({ name: "t-SNE", threads, file }),
      (e: Error) => e instanceof ConfigError && e.message === `t-SNE: threads must be a positive integer, found ${threads}`,
    );
  }
});
