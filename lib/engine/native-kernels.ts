import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/**
 * The environment variable that picks the kernels' instruction set: "0"
 * keeps WebAssembly SIMD, "1" requires the native build (an error when it
 * cannot be built), unset or "auto" uses it when the machine has a C compiler.
 */
export const NATIVE_KERNELS_ENV = "WORKBENCH_NATIVE_KERNELS";
/** Where the native build is kept (default: $XDG_CACHE_HOME or ~/.cache, then neuro-shape-workbench). */
export const KERNEL_CACHE_ENV = "WORKBENCH_KERNEL_CACHE";

/** The addon kernels/native.c builds into. */
export interface NativeKernels {
  /**
   * Runs kernel `index` with `args` (wasm-style: byte addresses, then
   * integers) on `threads` threads. bases[i] is 0 for an address into
   * `memory`, j for one into arrays[j - 1].
   */
  run(memory: Uint8Array, index: number, args: Int32Array, threads: number, bases: Int32Array, arrays: Float32Array[]): void;
  /** Its kernels' names in index order, comma-separated. */
  kernels: string;
  /** The compiler that built it, e.g. "clang 14.0.6". */
  compiler: string;
  /** The built addon in the cache. */
  file: string;
}

const KERNELS = path.join(__dirname, "kernels");
const SOURCES = ["native.c", "conv3d.c", "winograd.c", "batchnorm.c", "tiles.h", "simd.h"];
// -ffp-contract=fast turns the kernels' multiply-then-add into FMA (Clang
// keeps them apart by default across inlined functions).
const FLAGS = ["-O3", "-march=native", "-ffp-contract=fast", "-fPIC", "-shared", "-pthread", "-Wno-unknown-pragmas"];

function cacheDir(): string {
  return (
    process.env[KERNEL_CACHE_ENV] ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "neuro-shape-workbench")
  );
}

/**
 * $CC when set, else the first of clang and cc that runs, with its first
 * line of `--version`; null when there is none. Clang first: it unrolls the
 * Winograd transforms as their `#pragma clang loop` asks, which GCC ignores
 * (GCC's build runs them at about half the speed).
 */
function findCompiler(): { cc: string; version: string } | null {
  for (const cc of process.env.CC ? [process.env.CC] : ["clang", "cc"]) {
    const version = compilerVersion(cc);
    if (version !== null) return { cc, version };
  }
  return null;
}

/** The compiler's first line of `--version`, or null when there is none. */
function compilerVersion(cc: string): string | null {
  const r = spawnSync(cc, ["--version"], { encoding: "utf8" });
  if (r.status !== 0) return null;
  return (r.stdout.split("\n")[0] ?? "").trim();
}

/** "gcc 12.2.0" / "clang 14.0.6" from a `--version` line. */
function compilerName(version: string): string {
  const name = /clang/i.test(version) ? "clang" : /gcc|g\+\+|GCC/.test(version) ? "gcc" : "cc";
  const number = /(\d+\.\d+(\.\d+)?)/.exec(version)?.[1];
  return number === undefined ? name : `${name} ${number}`;
}

/**
 * Builds kernels/native.c and the kernel sources with the machine's C
 * compiler (see findCompiler) for this CPU and loads the addon. The build is
 * kept in the cache under a name that hashes the sources, the compiler,
 * the flags, the CPU and the platform, so it is made once per machine and
 * made again when any of them changes; it is written to a temporary file and
 * renamed, so processes that start together (a job array) never load half a
 * file. Returns why not when it cannot build or load.
 */
export function loadNativeKernels(): NativeKernels | string {
  const compiler = findCompiler();
  if (compiler === null) return `no C compiler (${process.env.CC ?? "clang or cc"})`;
  const { cc, version } = compiler;
  const extra = process.platform === "darwin" ? ["-undefined", "dynamic_lookup"] : [];
  const flags = [...FLAGS, ...extra];
  const hash = createHash("sha256");
  for (const file of SOURCES) hash.update(fs.readFileSync(path.join(KERNELS, file)));
  hash.update([version, ...flags, os.cpus()[0]?.model ?? "", process.arch, process.platform].join("\0"));
  const dir = cacheDir();
  const file = path.join(dir, `kernels-${hash.digest("hex").slice(0, 16)}.node`);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dir, { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    const sources = SOURCES.filter((f) => f.endsWith(".c")).map((f) => path.join(KERNELS, f));
    const r = spawnSync(cc, [...flags, "-o", temp, ...sources], { encoding: "utf8" });
    if (r.status !== 0) {
      fs.rmSync(temp, { force: true });
      return `${cc} could not build the kernels: ${(r.stderr || r.error?.message || "").trim().split("\n").slice(0, 3).join(" ")}`;
    }
    fs.renameSync(temp, file);
  }
  try {
    const module = { exports: {} as Pick<NativeKernels, "run" | "kernels"> };
    process.dlopen(module, file);
    return { run: module.exports.run, kernels: module.exports.kernels, compiler: compilerName(version), file };
  } catch (e) {
    return `the native kernels did not load: ${(e as Error).message}`;
  }
}
