import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { KernelPool } from "../../lib/engine/threads";
import { nativeToolchain } from "../helpers/native-build";
import { requires } from "../helpers/requires";

// The WebAssembly build: its memory accesses are checked, so a bad address traps
// instead of crashing the process as it would in the native build.
const pool = new KernelPool(2, null);

/** Scale, shift, output and work counter for bn_affine over `rows` rows of 4 channels. */
function affineArgs(rows: number): { out: number; scale: number; shift: number; work: [number, number] } {
  const scale = pool.alloc(4);
  const shift = pool.alloc(4);
  const out = pool.alloc(4 * rows);
  const work = pool.counter(rows, 1);
  pool.f32(scale, 4).set([1, 2, 3, 4]);
  pool.f32(shift, 4).set([0, 0, 0, 1]);
  return { out, scale, shift, work };
}

test("a WebAssembly kernel that traps reports the trap and which thread hit it, and the pool keeps working", () => {
  pool.reset();
  const { out, scale, shift, work } = affineArgs(2);
  // Row 0 is the last 16 bytes of the memory, row 1 lies past its end: one of the two chunks traps.
  const x = pool.memory.buffer.byteLength - 16;
  assert.throws(
    () => pool.run("bn_affine", [x, scale, shift, out, 2, 4, 0, ...work]),
    /^Error: kernel bn_affine failed on (calling thread|worker thread \d+): RuntimeError: memory access out of bounds/,
  );
  pool.reset();
  const again = affineArgs(1);
  const input = pool.alloc(4);
  pool.f32(input, 4).set([1, 1, -1, 1]);
  pool.run("bn_affine", [input, again.scale, again.shift, again.out, 1, 4, 1, ...again.work]);
  assert.deepEqual(Array.from(pool.f32(again.out, 4)), [1, 2, 0, 5]);
});

for (const [build, native] of [
  ["WebAssembly", "0"],
  ["native", "1"],
] as const)
  test(`results do not depend on the number of kernel threads: a convolution and batch-norm with gradients give the same bits on 1 and 2 (${build} kernels)`, (t) => {
    if (native === "1" && !requires(t, nativeToolchain)) return;
    const script = path.join(__dirname, "kernels-threads.fixture.ts");
    const run = (threads: string): string => {
      const r = spawnSync(process.execPath, ["--import", "tsx", script], {
        encoding: "utf8",
        env: { ...process.env, WORKBENCH_THREADS: threads, WORKBENCH_NATIVE_KERNELS: native },
      });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout.trim();
    };
    const one = run("1");
    assert.match(one, /^[0-9a-f]{64}$/);
    assert.equal(run("2"), one);
  });

test("300,000 small calls in a row on the worker pool all return their own results and none hangs", () => {
  const script = path.join(__dirname, "kernel-pool-stress.fixture.ts");
  // A hang blocks the calling thread in Atomics.wait, so the calls run in a child with a time limit.
  const r = spawnSync(process.execPath, ["--import", "tsx", script, "300000"], {
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, WORKBENCH_THREADS: "2", WORKBENCH_NATIVE_KERNELS: "0" },
  });
  assert.equal(r.signal, null, "the calls hung");
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /^300000 jobs on 2 threads/);
});
