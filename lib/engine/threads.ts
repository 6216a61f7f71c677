import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError, defaultThreads, type Share, WorkerPool } from "../core";
import { loadNativeKernels, NATIVE_KERNELS_ENV, type NativeKernels } from "./native-kernels";

/** The exported functions of kernels/kernels.wasm (see conv3d.c, winograd.c and batchnorm.c for their contracts). */
export type KernelName = (typeof NAMES)[number];

// A job names its kernel by its index in this list.
const NAMES = [
  "conv_fwd",
  "convt_fwd",
  "conv_wgrad",
  "sum_copies",
  "maxpool_fwd",
  "maxpool_grad",
  "wino_filter",
  "wino_fwd",
  "wino_wgrad",
  "wino_wgrad_transform",
  "wino_wgrad_points",
  "wino_wgrad_taps",
  "bn_stats",
  "bn_affine",
  "bn_grad_stats",
  "bn_grad_dx",
] as const;

const PAGE = 65536;
/** kernels.wasm keeps its (unused) C stack below this address; buffers start here. */
const HEAP_BASE = 2 * PAGE;
const MAX_PAGES = 65536;

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
 * A kernel argument: a byte address in the kernel memory or an integer, or
 * (native build only) an array the kernel reads or writes where it is.
 */
export type KernelArg = number | { array: Float32Array };

/** Job slots: [0] kernel index, [1] argument count, [2..] the arguments. */
const SLOTS = 64;

/**
 * The workers' side (each worker loads this file): thread `part`'s instance
 * of the kernels on the shared memory. The calling thread runs its share
 * (part 0) through the same function.
 */
export function setupShare(data: { module: object; memory: WasmMemory }, part: number): Share {
  const instance = new WASM.Instance(data.module, { env: { memory: data.memory } });
  return (slots) => {
    const fn = instance.exports[NAMES[slots[0]!]!] as (...a: number[]) => void;
    fn(...slots.subarray(2, 2 + slots[1]!), part);
  };
}

/**
 * One shared WebAssembly memory, the kernels that run on it and a bump
 * allocator for the buffers of one call. The kernels are the native build
 * (native-kernels.ts) when there is one, run on POSIX threads; else
 * kernels.wasm, instantiated on this thread and on `threads - 1` workers.
 * Calls are synchronous: the calling thread does share 0 and blocks until
 * the others finish theirs.
 */
export class KernelPool {
  readonly memory: WasmMemory;
  readonly threads: number;
  /** "native (gcc 12.2.0, -march=native)" or "WebAssembly SIMD". */
  readonly instructionSet: string;
  private readonly native: NativeKernels | null;
  private readonly pool: WorkerPool | null = null;
  private readonly own: Share | null = null;
  private readonly args = new Int32Array(SLOTS);
  private readonly bases = new Int32Array(SLOTS);
  /** Outputs to copy out of the kernel memory after the next run (WebAssembly build). */
  private pending: Array<{ address: number; array: Float32Array }> = [];
  private top = HEAP_BASE;

  constructor(threads: number, native: NativeKernels | null) {
    this.memory = new WASM.Memory({ initial: HEAP_BASE / PAGE, maximum: MAX_PAGES, shared: true });
    this.native = native;
    if (native) {
      this.threads = threads;
      this.instructionSet = `native (${native.compiler}, -march=native)`;
      return;
    }
    const module = new WASM.Module(fs.readFileSync(path.join(__dirname, "kernels", "kernels.wasm")));
    const data = { module, memory: this.memory };
    this.own = setupShare(data, 0);
    this.pool = new WorkerPool({ name: "kernel", threads, file: __filename, data, slots: SLOTS });
    this.threads = this.pool.threads;
    this.instructionSet = "WebAssembly SIMD";
  }
  /** Forgets all buffers of the previous call; the memory is kept for the next. */
  reset(): void {
    this.top = HEAP_BASE;
    this.pending = [];
  }

  /**
   * `array` as a kernel's input: read where it is by the native build (no
   * copy: most of a cheap kernel's time went to copying), copied into fresh
   * kernel memory for WebAssembly, which sees no other memory.
   */
  input(array: Float32Array): KernelArg {
    if (this.native) return { array };
    const address = this.alloc(array.length);
    this.f32(address, array.length).set(array);
    return address;
  }

  /**
   * `array` as a kernel's output: written where it is by the native build;
   * for WebAssembly written in kernel memory and copied into `array` when
   * the next run() returns.
   */
  output(array: Float32Array): KernelArg {
    if (this.native) return { array };
    const address = this.alloc(array.length);
    this.pending.push({ address, array });
    return address;
  }

  /** Reserves `floats` float32 slots (16-byte aligned) and returns their byte address. */
  alloc(floats: number): number {
    const address = this.top;
    this.top += Math.ceil((floats * 4) / 16) * 16;
    const needed = Math.ceil(this.top / PAGE);
    const have = this.memory.buffer.byteLength / PAGE;
    if (needed > MAX_PAGES)
      throw new RangeError(`a kernel call needs ${(this.top / 2 ** 30).toFixed(2)} GiB of kernel memory; the limit is 4 GiB`);
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
  run(name: KernelName, args: KernelArg[]): void {
    if (this.native) {
      const arrays: Float32Array[] = [];
      args.forEach((arg, i) => {
        if (typeof arg === "number") {
          this.args[i] = arg;
          this.bases[i] = 0;
        } else {
          this.args[i] = 0;
          this.bases[i] = arrays.push(arg.array);
        }
      });
      const n = args.length;
      this.native.run(
        new Uint8Array(this.memory.buffer),
        NAMES.indexOf(name),
        this.args.subarray(0, n),
        this.threads,
        this.bases.subarray(0, n),
        arrays,
      );
      return;
    }
    const slots = this.pool!.slots;
    slots[0] = NAMES.indexOf(name);
    slots[1] = args.length;
    // input() and output() give addresses on the WebAssembly build.
    slots.set(args as number[], 2);
    this.pool!.run(name, () => this.own!(slots, undefined));
    for (const { address, array } of this.pending.splice(0)) array.set(this.f32(address, array.length));
  }
}

let pool: KernelPool | null = null;

/**
 * The native kernels as WORKBENCH_NATIVE_KERNELS asks: null for "0" or when
 * "auto" (the default) finds no way to build them; an error for "1" then.
 */
function chooseNative(): NativeKernels | null {
  const wanted = process.env[NATIVE_KERNELS_ENV] ?? "auto";
  if (wanted === "0") return null;
  if (wanted !== "1" && wanted !== "auto") throw new ConfigError(`${NATIVE_KERNELS_ENV} must be 0, 1 or auto, found "${wanted}"`);
  const native = loadNativeKernels();
  if (typeof native !== "string" && native.kernels === NAMES.join(",")) return native;
  if (wanted === "1")
    throw new ConfigError(
      `${NATIVE_KERNELS_ENV}=1 but ${typeof native === "string" ? native : "the native build has other kernels than kernels.wasm"}`,
    );
  return null;
}

/** The process-wide kernel pool, created on first use. */
export function kernelPool(): KernelPool {
  pool ??= new KernelPool(defaultThreads(), chooseNative());
  return pool;
}

/** Bytes of the kernels' WebAssembly memory: its high-water mark, as it never shrinks (0 before the first kernel call). */
export function kernelMemoryBytes(): number {
  return pool ? pool.memory.buffer.byteLength : 0;
}
