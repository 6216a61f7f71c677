/**
 * The machine's multiply-add peak, to say how close to the limit a benchmark
 * case runs: bench/peak/madd.c as WebAssembly SIMD (the committed madd.wasm,
 * run on worker threads: the limit of our engine's instruction set) and
 * compiled natively at bench time with `cc -O3 -march=native` (FMA on the
 * widest vectors: the hardware's limit).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Worker } from "node:worker_threads";

const SOURCE = path.join(__dirname, "peak", "madd.c");
const WASM = path.join(__dirname, "peak", "madd.wasm");
/** Iterations per call: about a quarter of a second on one core of the development machine. */
const WASM_ITERATIONS = 50_000_000;
const NATIVE_ITERATIONS = 100_000_000;

export interface Peak {
  /** GFLOP/s of all threads together, best of the rounds. */
  gflops: number;
  threads: number;
}

export interface MachinePeaks {
  wasm: Peak[];
  /** Empty, with `nativeSkipped` saying why, when there is no C compiler. */
  native: Peak[];
  nativeSkipped?: string;
}

// Each worker instantiates the module, warms it up (V8 first runs WebAssembly
// through its baseline compiler), says how many FLOPs one call does and then
// runs one call per "go".
const WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const m = new WebAssembly.Instance(new WebAssembly.Module(require("node:fs").readFileSync(workerData.file))).exports;
for (let i = 0; i < 3; i++) m.madd(workerData.iterations / 10);
parentPort.on("message", (msg) => {
  if (msg === "stop") return process.exit(0);
  parentPort.postMessage(m.madd(workerData.iterations));
});
parentPort.postMessage(m.madd_flops(workerData.iterations));
`;

/** Multiply-add GFLOP/s of madd.wasm on `threads` threads at once, best of `rounds`. */
async function wasmPeak(threads: number, rounds: number): Promise<Peak> {
  const workers = Array.from(
    { length: threads },
    () => new Worker(WORKER, { eval: true, workerData: { file: WASM, iterations: WASM_ITERATIONS } }),
  );
  const next = (w: Worker): Promise<unknown> =>
    new Promise((resolve, reject) => {
      w.once("message", resolve);
      w.once("error", reject);
    });
  try {
    const flopsPerCall = (await Promise.all(workers.map(next)))[0] as number;
    let best = Infinity;
    for (let r = 0; r < rounds; r++) {
      const t0 = performance.now();
      const done = workers.map(next);
      for (const w of workers) w.postMessage("go");
      await Promise.all(done);
      best = Math.min(best, (performance.now() - t0) / 1000);
    }
    return { gflops: (threads * flopsPerCall) / best / 1e9, threads };
  } finally {
    for (const w of workers) void w.terminate();
  }
}

/** Compiles madd.c natively into a temporary directory; the binary, or why not. */
function buildNative(): { binary: string } | { skipped: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-peak-"));
  const binary = path.join(dir, "madd");
  const r = spawnSync("cc", ["-O3", "-march=native", "-pthread", "-o", binary, SOURCE], { encoding: "utf8" });
  if (r.error) return { skipped: `no C compiler (cc: ${r.error.message})` };
  if (r.status !== 0) return { skipped: `cc -O3 -march=native failed: ${r.stderr.trim().split("\n")[0]}` };
  return { binary };
}

function nativePeak(binary: string, threads: number, rounds: number): Peak {
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    const run = spawnSync(binary, [String(threads), String(NATIVE_ITERATIONS)], { encoding: "utf8" });
    const m = /^(\d+) ([\d.]+) /.exec(run.stdout);
    if (run.status !== 0 || !m) throw new Error(`${binary} ${threads} ${NATIVE_ITERATIONS} failed: ${run.stderr || run.stdout}`);
    best = Math.max(best, Number(m[1]) / Number(m[2]) / 1e9);
  }
  return { gflops: best, threads };
}

/** The peaks on 1 and 2 threads, best of `rounds` each. */
export async function machinePeaks(rounds = 5): Promise<MachinePeaks> {
  const threads = [1, 2];
  const wasm: Peak[] = [];
  for (const t of threads) wasm.push(await wasmPeak(t, rounds));
  const built = buildNative();
  if ("skipped" in built) return { wasm, native: [], nativeSkipped: built.skipped };
  try {
    return { wasm, native: threads.map((t) => nativePeak(built.binary, t, rounds)) };
  } finally {
    fs.rmSync(path.dirname(built.binary), { recursive: true, force: true });
  }
}
