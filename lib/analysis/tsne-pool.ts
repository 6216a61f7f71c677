import { defaultThreads, WorkerPool } from "../core";
import { runJob, type TsneJob } from "./tsne-kernels";

/** A job as the callers describe it: each member of the union without its counter. */
type JobWithoutCounter = TsneJob extends infer J ? (J extends TsneJob ? Omit<J, "counter"> : never) : never;

/**
 * This thread plus `threads − 1` workers running t-SNE jobs (tsne-kernels.ts)
 * on shared memory. `run` is synchronous: this thread does part 0 and blocks
 * until the workers finish theirs (see WorkerPool). With one thread there
 * are no workers.
 */
export class TsnePool {
  private readonly pool: WorkerPool;
  private readonly counter = sharedArray(Int32Array, 1);

  constructor(threads: number = defaultThreads()) {
    this.pool = new WorkerPool({ name: "t-SNE", threads, file: require.resolve("./tsne-kernels") });
  }

  /** Threads that share a job (1 after `close`). */
  get threads(): number {
    return this.pool.threads;
  }

  /** Runs a job on every thread; its `counter` is supplied here. */
  run(job: JobWithoutCounter): void {
    this.finish(this.start(job));
  }

  /**
   * Starts a job on the workers only, so this thread can do other work
   * first; `finish` then joins in and waits. One job at a time.
   */
  start(job: JobWithoutCounter): TsneJob {
    const full = { ...job, counter: this.counter } as TsneJob;
    Atomics.store(this.counter, 0, 0);
    this.pool.start(full);
    return full;
  }

  /** This thread's share of the started job (whatever the workers left), then waits for them. */
  finish(job: TsneJob): void {
    this.pool.finish(job.kind, () => runJob(job, 0));
  }

  /** Ends the workers; later jobs run on this thread alone. */
  close(): void {
    this.pool.close();
  }
}

/** A copy in shared memory, so worker threads see it (the array itself when it already is). */
export function shared<T extends Float64Array | Float32Array | Int32Array | Uint8Array>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const C = a.constructor as { new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number };
  const out = new C(new SharedArrayBuffer(a.length * C.BYTES_PER_ELEMENT));
  out.set(a);
  return out;
}

/** A zeroed typed array in shared memory. */
export function sharedArray<T extends Float64Array | Float32Array | Int32Array | Uint8Array>(
  C: { new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number },
  length: number,
): T {
  return new C(new SharedArrayBuffer(length * C.BYTES_PER_ELEMENT));
}
