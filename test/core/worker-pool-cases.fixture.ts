// Runs the worker-pool cases of worker-pool.test.ts, one line of JSON each:
// in a child, because a broken pool hangs the thread that waits for it.
import * as path from "node:path";
import { WorkerPool } from "../../lib/core";
import { setupShare, type ShareJob } from "./worker-pool-share.fixture";

const file = path.join(__dirname, "worker-pool-share.fixture.ts");

/** Runs job `id` on the pool (this thread's share through the same module) and returns what each thread wrote, or the error. */
function job(pool: WorkerPool, id: number, refuse: number[] = []): string {
  const message: ShareJob = { out: new Int32Array(new SharedArrayBuffer(4 * pool.threads)).fill(-1), refuse };
  const own = setupShare(undefined, 0);
  pool.slots[0] = id;
  try {
    pool.run(`job ${id}`, () => own(pool.slots, message), message);
    return Array.from(message.out).join(",");
  } catch (e) {
    return (e as Error).message;
  }
}

const cases: Record<string, () => string[]> = {
  shares: () => {
    const pool = new WorkerPool({ name: "demo", threads: 3, file, slots: 1 });
    return [job(pool, 1), job(pool, 2)];
  },
  failing: () => {
    const pool = new WorkerPool({ name: "demo", threads: 3, file, slots: 1 });
    return [job(pool, 1, [0, 2]), job(pool, 2)];
  },
  setup: () => {
    const pool = new WorkerPool({ name: "demo", threads: 3, file, data: { refuseSetup: 1 }, slots: 1 });
    return [job(pool, 1), job(pool, 2)];
  },
  missing: () => {
    const pool = new WorkerPool({ name: "demo", threads: 2, file: path.join(__dirname, "no-such-module.ts"), slots: 1 });
    return [job(pool, 1)];
  },
};

for (const [name, run] of Object.entries(cases)) console.log(JSON.stringify({ name, results: run() }));
