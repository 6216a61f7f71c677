import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";
import { ConfigError } from "./errors";
import { workerLoader } from "./worker-loader";

/** One thread's share of a job: the pool's slots and the job's message (undefined when it was started without one). */
export type Share = (slots: Int32Array, message: unknown) => void;

export interface WorkerPoolOptions {
  /** Names the pool in its errors: "kernel", "t-SNE". */
  name: string;
  /** Threads, the calling one included; a positive integer. With one there are no workers. */
  threads: number;
  /**
   * The module the workers load (a resolved path; a .ts file is loaded
   * through tsx). It exports `setupShare(data, part)`, which returns the
   * Share of thread `part` (1.. on the workers).
   */
  file: string;
  /** Given to every worker's setupShare (cloned; shared memory and WebAssembly modules stay shared). */
  data?: unknown;
  /** How many int32 slots in shared memory the jobs have for their small arguments (default 0). */
  slots?: number;
}

// Layout of the control block: [0] the job's sequence number, [1] 1 when the
// job came with a message, [2 + part] the last job worker `part` finished,
// [2 + size + part] 1 when its share of that job failed, [2 + 2·size + part]
// 1 once the worker has set up its share.
const SEQUENCE = 0;
const HAS_MESSAGE = 1;
const DONE = 2;

// Worker side: loads the module, then waits on the sequence number, runs its
// share of each job and reports back. Kept as source text, so this loop runs
// even when the module fails to load: then every job fails on this thread,
// with the reason, instead of hanging the caller.
const WORKER_SOURCE = `
const { workerData, receiveMessageOnPort } = require("node:worker_threads");
const { control, slots, port, part, size, file, loader, data } = workerData;
let share;
let broken;
try {
  // Workers do not inherit the parent's TypeScript loader.
  if (loader) require(loader).register();
  share = require(file).setupShare(data, part);
} catch (e) {
  broken = "could not load " + file + ": " + String((e && e.stack) || e);
}
Atomics.store(control, ${DONE} + 2 * size + part, 1);
Atomics.notify(control, ${DONE} + 2 * size + part);
const done = ${DONE} + part;
const failed = ${DONE} + size + part;
let seen = 0;
for (;;) {
  // Only a new sequence number means a new job: a wait that returns without
  // one (an interrupt) must not run the last job again.
  let now;
  while ((now = Atomics.load(control, ${SEQUENCE})) === seen) Atomics.wait(control, ${SEQUENCE}, seen);
  seen = now;
  try {
    let message;
    if (control[${HAS_MESSAGE}] === 1) {
      // Posted before the sequence number moved, so it is already queued.
      const m = receiveMessageOnPort(port);
      if (m === undefined) throw new Error("job " + seen + " arrived without its message");
      message = m.message;
    }
    if (broken !== undefined) throw broken;
    share(slots, message);
  } catch (e) {
    port.postMessage(typeof e === "string" ? e : String((e && e.stack) || e));
    Atomics.store(control, failed, 1);
  }
  Atomics.store(control, done, seen);
  Atomics.notify(control, done);
}
`;

/**
 * This thread plus `threads − 1` workers that run jobs on shared memory.
 * A job is started on the workers (`start`), then this thread does its own
 * share (part 0) and blocks (Atomics.wait) until every worker has finished
 * (`finish`). One job at a time.
 *
 * Completion: each worker reports the sequence number of the job it
 * finished, and a call waits for that number from every worker. Counting
 * finished shares instead hung twice: a worker woken without a new job ran
 * the last one again and counted twice, and a stray count could end the next
 * call before its shares were done.
 */
export class WorkerPool {
  /** Its slots: the caller writes a job's arguments here before `start`; the workers read them until `finish`. */
  readonly slots: Int32Array;
  private readonly name: string;
  private readonly size: number;
  private readonly control: Int32Array;
  private readonly workers: Worker[] = [];
  /** Per worker, the port its messages go out on and its failures come back on; read synchronously after a job. */
  private readonly ports: MessagePort[] = [];
  private running = false;

  constructor(options: WorkerPoolOptions) {
    const { name, threads, file, data } = options;
    if (!Number.isInteger(threads) || threads < 1) throw new ConfigError(`${name}: threads must be a positive integer, found ${threads}`);
    this.name = name;
    this.size = threads;
    this.slots = new Int32Array(new SharedArrayBuffer(4 * (options.slots ?? 0)));
    this.control = new Int32Array(new SharedArrayBuffer(4 * (DONE + 3 * threads)));
    const loader = threads > 1 ? workerLoader(file) : undefined;
    for (let part = 1; part < threads; part++) {
      const { port1, port2 } = new MessageChannel();
      const workerData = { control: this.control, slots: this.slots, port: port2, part, size: threads, file, loader, data };
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData, transferList: [port2] });
      // Idle workers must not keep a finished script alive.
      worker.unref();
      port1.unref();
      this.workers.push(worker);
      this.ports.push(port1);
    }
    // The pool is ready when every worker has set up its share. A first job
    // that grows a shared WebAssembly memory while a worker is still
    // instantiating on it can leave that worker's instance with the old size
    // (seen once: "memory access out of bounds" on worker thread 1 in a
    // pool's first steps), so no job starts before then.
    for (let part = 1; part < threads; part++) {
      const ready = DONE + 2 * threads + part;
      const deadline = Date.now() + 120_000;
      while (Atomics.load(this.control, ready) === 0) {
        if (Date.now() > deadline) throw new Error(`${name}: worker thread ${part} did not start within 120 s`);
        Atomics.wait(this.control, ready, 0, 1000);
      }
    }
  }

  /** Threads that share a job: this one and the workers (1 after `close`). */
  get threads(): number {
    return this.workers.length + 1;
  }

  /**
   * Starts a job on the workers, with `message` posted to each (for what
   * does not fit the slots), so this thread can do other work before it
   * joins in with `finish`.
   */
  start(message?: unknown): void {
    if (this.running) throw new Error(`${this.name}: a job was started while another was running`);
    if (this.workers.length > 0) {
      const c = this.control;
      c[HAS_MESSAGE] = message === undefined ? 0 : 1;
      for (let part = 1; part < this.size; part++) c[DONE + this.size + part] = 0;
      // A message that cannot be cloned fails on the first port, before anything is queued.
      if (message !== undefined) for (const port of this.ports) port.postMessage(message);
      Atomics.add(c, SEQUENCE, 1);
      Atomics.notify(c, SEQUENCE);
    }
    this.running = true;
  }

  /**
   * Runs this thread's share of the started job (`own`), waits for every
   * worker's, and throws when any failed, naming each failing thread with
   * its error (`job` names the job in that message).
   */
  finish(job: string, own: () => void): void {
    if (!this.running) throw new Error(`${this.name} ${job}: finished without being started`);
    // Even when this thread's share fails, the workers must finish theirs
    // before the next job reuses the slots and the buffers.
    const failures: string[] = [];
    let cause: unknown;
    try {
      own();
    } catch (err) {
      cause = err;
      failures.push(`calling thread: ${String(err)}`);
    }
    const c = this.control;
    const sequence = Atomics.load(c, SEQUENCE);
    // Each worker reports the number of the job it finished, so nothing but
    // this job's end lets the call return.
    for (let part = 1; part <= this.workers.length; part++) {
      for (let last; (last = Atomics.load(c, DONE + part)) !== sequence;) Atomics.wait(c, DONE + part, last);
    }
    for (let part = 1; part <= this.workers.length; part++) {
      if (c[DONE + this.size + part] !== 0)
        failures.push(
          `worker thread ${part}: ${(receiveMessageOnPort(this.ports[part - 1]!)?.message as string | undefined) ?? "no message"}`,
        );
    }
    this.running = false;
    if (failures.length > 0) throw new Error(`${this.name} ${job} failed on ${failures.join("; ")}`, { cause });
  }

  /** `start` then `finish`. */
  run(job: string, own: () => void, message?: unknown): void {
    this.start(message);
    this.finish(job, own);
  }

  /** Ends the workers; later jobs run on this thread alone. */
  close(): void {
    for (const w of this.workers) void w.terminate();
    this.workers.length = 0;
    this.ports.length = 0;
  }
}
