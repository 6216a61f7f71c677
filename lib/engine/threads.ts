import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";

/** The exported functions of kernels/kernels.wasm (see conv3d.c and batchnorm.c for their contracts). */
export type KernelName = (typeof NAMES)[number];

/** The environment variable that sets how many threads the kernels use (default: all cores). */
export const THREADS_ENV = "WORKBENCH_THREADS";

// The worker finds a kernel by its index in this list.
const NAMES = ["conv_fwd", "convt_fwd", "conv_wgrad", "maxpool_fwd", "maxpool_grad", "bn_stats", "bn_affine", "bn_grad_stats", "bn_grad_dx"] as const;

const PAGE = 65536;
/** kernels.wasm keeps its (unused) C stack below this address; buffers start here. */
const HEAP_BASE = 2 * PAGE;
const MAX_PAGES = 65536;

// Worker side: waits on the control word, runs its share of the job, reports
// back. Kept as source text so the worker runs without a TypeScript loader.
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const { module, memory, control, part, errors } = workerData;
const instance = new WebAssembly.Instance(module, { env: { memory } });
const names = ${JSON.stringify(NAMES)};
let seen = 0;
for (;;) {
  // Only a new sequence number means a new job: a wait that returns without
  // one (an interrupt) must not run the last job again.
  let now;
  while ((now = Atomics.load(control, 0)) === seen) Atomics.wait(control, 0, seen);
  seen = now;
  const args = Array.from(control.subarray(4, 4 + control[3]));
  let failed = 0;
  try { instance.exports[names[control[1]]](...args, part); } catch (e) { failed = 1; errors.postMessage(String(e && e.stack || e)); }
  if (failed) Atomics.store(control, 65 + part, 1);
  Atomics.store(control, 128 + part, seen);
  Atomics.notify(control, 128 + part);
}
`;

// The compiler options have no DOM library, so the few WebAssembly APIs used
// here are typed locally.
interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
  grow(pages: number): number;
}
interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Instance: new (module: object, imports: object) => WasmInstance;
}
const WASM = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/**
 * One shared WebAssembly memory, the kernel module instantiated on this
 * thread and on `threads - 1` workers, and a bump allocator for the buffers
 * of one call. Calls are synchronous: the calling thread does share 0 and
 * blocks (Atomics.wait) until the workers finish theirs.
 */
export class KernelPool {
  readonly threads: number;
  readonly memory: WasmMemory;
  private readonly instance: WasmInstance;
  private readonly control: Int32Array;
  private readonly workers: Worker[] = [];
  /** Per worker, the port its failures arrive on; read synchronously after a failed call. */
  private readonly errorPorts: MessagePort[] = [];
  private top = HEAP_BASE;

  constructor(threads: number) {
    const bytes = fs.readFileSync(path.join(__dirname, "kernels", "kernels.wasm"));
    const module = new WASM.Module(bytes);
    this.memory = new WASM.Memory({ initial: HEAP_BASE / PAGE, maximum: MAX_PAGES, shared: true });
    this.instance = new WASM.Instance(module, { env: { memory: this.memory } });
    // [0] job sequence, [1] kernel index, [3] arg count, [4..] args,
    // [65 + part] failure flags, [128 + part] the last job the part finished.
    this.control = new Int32Array(new SharedArrayBuffer(4 * 192));
    this.threads = Math.max(1, Math.min(threads, 62));
    for (let part = 1; part < this.threads; part++) {
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory: this.memory, control: this.control, part, errors: port2 }, transferList: [port2] });
      port1.unref();
      this.errorPorts.push(port1);
      // Idle workers must not keep a finished script alive.
      worker.unref();
      this.workers.push(worker);
    }
  }

  /** Forgets all buffers of the previous call; the memory is kept for the next. */
  reset(): void {
    this.top = HEAP_BASE;
  }

  /** Reserves `floats` float32 slots (16-byte aligned) and returns their byte address. */
  alloc(floats: number): number {
    const address = this.top;
    this.top += Math.ceil((floats * 4) / 16) * 16;
    const needed = Math.ceil(this.top / PAGE);
    const have = this.memory.buffer.byteLength / PAGE;
    if (needed > MAX_PAGES) throw new RangeError(`a kernel call needs ${(this.top / 2 ** 30).toFixed(2)} GiB of kernel memory; the limit is 4 GiB`);
    if (needed > have) this.memory.grow(needed - have);
    return address;
  }

  /** A Float32Array view of `floats` values at byte `address` (valid until the next alloc). */
  f32(address: number, floats: number): Float32Array {
    return new Float32Array(this.memory.buffer, address, floats);
  }

  /** A Float64Array view of `count` values at byte `address` (16-byte aligned by alloc; valid until the next alloc). */
  f64(address: number, count: number): Float64Array {
    return new Float64Array(this.memory.buffer, address, count);
  }

  /**
   * A zeroed work counter for one call over `rows`, and the chunk size:
   * by default one that gives each thread about eight chunks.
   */
  counter(rows: number, chunk = Math.max(1, Math.floor(rows / (8 * this.threads)))): [number, number] {
    const address = this.alloc(1);
    this.i32(address, 1)[0] = 0;
    return [address, chunk];
  }

  i32(address: number, count: number): Int32Array {
    return new Int32Array(this.memory.buffer, address, count);
  }

  /**
   * Runs `name(...args, part)` on every thread (part = 0 here, 1.. on the
   * workers) and waits until all return. The kernels share the work out
   * themselves through a counter in `args`.
   */
  run(name: KernelName, args: number[]): void {
    const fn = this.instance.exports[name] as (...a: number[]) => void;
    const workers = this.workers.length;
    if (workers === 0) {
      fn(...args, 0);
      return;
    }
    const c = this.control;
    c[1] = NAMES.indexOf(name);
    c[3] = args.length;
    c.set(args, 4);
    for (let part = 1; part < this.threads; part++) c[65 + part] = 0;
    const job = Atomics.add(c, 0, 1) + 1;
    Atomics.notify(c, 0);
    // Even when this thread's share fails, the workers must finish theirs
    // before the next call reuses the control block and the buffers.
    const failures: string[] = [];
    let cause: unknown;
    try {
      fn(...args, 0);
    } catch (err) {
      cause = err;
      failures.push(`calling thread: ${String(err)}`);
    }
    // Each worker reports the number of the job it finished, so nothing but
    // this job's end lets the call return.
    for (let part = 1; part < this.threads; part++) {
      for (let last; (last = Atomics.load(c, 128 + part)) !== job; ) Atomics.wait(c, 128 + part, last);
    }
    for (let part = 1; part < this.threads; part++) {
      if (c[65 + part] !== 0) failures.push(`worker thread ${part}: ${(receiveMessageOnPort(this.errorPorts[part - 1]!)?.message as string | undefined) ?? "no message"}`);
    }
    if (failures.length > 0) throw new Error(`kernel ${name} failed on ${failures.join("; ")}`, { cause });
  }
}

let pool: KernelPool | null = null;

/** The process-wide kernel pool, created on first use. */
export function kernelPool(): KernelPool {
  if (!pool) {
    const fromEnv = Number(process.env[THREADS_ENV]);
    const threads = Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : os.availableParallelism();
    pool = new KernelPool(threads);
  }
  return pool;
}

/** Bytes of the kernels' WebAssembly memory: its high-water mark, as it never shrinks (0 before the first kernel call). */
export function kernelMemoryBytes(): number {
  return pool ? pool.memory.buffer.byteLength : 0;
}
