import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const script = path.resolve(__dirname, "../../lib/analysis/kernels/build.sh");

function hasWasmToolchain(): boolean {
  const clang = spawnSync("clang", ["--print-targets"], { encoding: "utf8" });
  const lld = spawnSync("wasm-ld", ["--version"], { encoding: "utf8" });
  return clang.status === 0 && /wasm32/.test(clang.stdout) && lld.status === 0;
}

test("the committed distances.wasm is what distances.c compiles to", (t) => {
  if (!hasWasmToolchain()) return t.skip("clang/wasm-ld with the wasm32 target are not installed (apt-get install clang lld)");
  const r = spawnSync("sh", [script, "--check"], { encoding: "utf8" });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /matches/);
});
