import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { checkWasmBuild } from "../helpers/wasm-build";

const PEAK = path.resolve(__dirname, "../../bench/peak");

test("the committed madd.wasm is what madd.c compiles to", (t) => {
  checkWasmBuild(t, path.join(PEAK, "build.sh"));
});

test("madd.wasm counts 12 accumulators × 4 lanes × 2 FLOPs per iteration and computes acc·m + a", async () => {
  // The compiler options have no DOM library, so the WebAssembly API is reached through globalThis.
  const wasm = (
    globalThis as unknown as {
      WebAssembly: { instantiate(b: Uint8Array): Promise<{ instance: { exports: Record<string, (n: number) => number> } }> };
    }
  ).WebAssembly;
  const { instance } = await wasm.instantiate(fs.readFileSync(path.join(PEAK, "madd.wasm")));
  assert.equal(instance.exports.madd_flops!(10), 10 * 12 * 4 * 2);
  const m = Math.fround(0.9999);
  const a = Math.fround(1e-4);
  // Accumulator i starts at m·i in every lane; one iteration makes it m·i·m + a.
  let want = 0;
  for (let i = 0; i < 12; i++) want += 4 * (m * i * m + a);
  assert.ok(Math.abs(instance.exports.madd!(1) - want) < 1e-4, `madd(1) = ${instance.exports.madd!(1)}, expected ${want}`);
});
