import * as os from "node:os";
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";
import { ConfigError } from "../core";
import { THREADS_ENV } from "../engine";
import { KERNELS, runJob, type TsneJob } from "./tsne-kernels";

// The worker runs the same kernel functions as this thread, from their
// compiled source text, so it needs no TypeScript loader and no path to
// dist/ or lib/. tsx compiles with esbuild's keepNames, which may call
// __name; the kernels have nothing to name, the stub is a safeguard.
const WORKER_SOURCE = `
const { workerData, receiveMessageOnPort } = require("node:worker_threads");
const __name = (f) => f;
${KERNELS.map((f) => f.toString()).join("\n")}
const { port, control, part } = workerData;
let seen = 0;
for (;;) {
  Atomics.wait(control, 0, seen);
  seen = Atomics.load(control, 0);
  let m = receiveMessageOnPort(port);
  while (m === undefined) { Atomics.wait(control, 3, 0, 1); m = receiveMessageOnPort(port); }
  try { runJob(m.message, part); } catch (e) { Atomics.store(control, 2, 1); port.postMessage(String((e && e.stack) || e)); }
  Atomics.add(control, 1, 1);
  Atomics.notify(control, 1);
}
`;

/** A job as the callers describe it: each member of the union without its counter. */
type JobWithoutCounter = TsneJob extends infer J ? (J extends TsneJob ? Omit<J, "counter"> : never) : never;

/** Threads to use when not given: WORKBENCH_THREADS, else all cores. */
export function defaultThreads(): number {
  const fromEnv = Number(process.env[THREADS_ENV]);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : os.availableParallelism();
}

/**
 * This thread plus `threads − 1` workers running t-SNE jobs (tsne-kernels.ts)
 * on shared memory. `run` is synchronous: this thread does part 0 and blocks
 * until the workers finish theirs. With one thread there are no workers.
 */
export class TsnePool {
  readonly threads: number;
  // [0] job sequence, [1] finished shares, [2] a share failed, [3] never set (a sleep target).
  private readonly control = new Int32Array(new SharedArrayBuffer(16));
  private readonly counter = new Int32Array(new SharedArrayBuffer(4));
  private readonly workers: Worker[] = [];
  private readonly ports: MessagePort[] = [];

  constructor(threads: number = defaultThreads()) {
    if (!Number.isInteger(threads) || threads < 1) throw new ConfigError(`t-SNE: threads must be a positive integer, found ${threads}`);
    this.threads = threads;
    for (let part = 1; part < threads; part++) {
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { port: port2, control: this.control, part }, transferList: [port2] });
      // Idle workers must not keep a finished script alive.
      worker.unref();
      port1.unref();
      this.workers.push(worker);
      this.ports.push(port1);
    }
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
    if (this.workers.length === 0) return full;
    const c = this.control;
    Atomics.store(c, 1, 0);
    Atomics.store(c, 2, 0);
    for (const port of this.ports) port.postMessage(full);
    Atomics.add(c, 0, 1);
    Atomics.notify(c, 0);
    return full;
  }

  /** This thread's share of the started job (whatever the workers left), then waits for them. */
  finish(job: TsneJob): void {
    let failure: unknown;
    try {
      runJob(job, 0);
    } catch (e) {
      failure = e;
    }
    const c = this.control;
    for (;;) {
      const done = Atomics.load(c, 1);
      if (done >= this.workers.length) break;
      Atomics.wait(c, 1, done);
    }
    if (failure !== undefined) throw failure;
    if (this.workers.length > 0 && Atomics.load(c, 2) !== 0) {
      const messages = this.ports.map((p) => receiveMessageOnPort(p)?.message as string | undefined).filter((m) => m !== undefined);
      throw new Error(`t-SNE ${job.kind} failed on a worker thread: ${messages.join("; ")}`);
    }
  }

  /** Ends the workers; later jobs run on this thread alone. */
  close(): void {
    for (const w of this.workers) void w.terminate();
    this.workers.length = 0;
    this.ports.length = 0;
  }
}

/** A copy in shared memory, so worker threads see it (the array itself when it already is). */
export function shared<T extends Float64Array | Float32Array | Int32Array | Uint8Array>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const C = a.constructor as { new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number };
  const out = new C(new SharedArrayBuffer(a.length * C.BYTES_PER_ELEMENT));
  out.set(a as never);
  return out;
}

/** A zeroed typed array in shared memory. */
export function sharedArray<T extends Float64Array | Float32Array | Int32Array | Uint8Array>(C: { new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number }, length: number): T {
  return new C(new SharedArrayBuffer(length * C.BYTES_PER_ELEMENT));
}
