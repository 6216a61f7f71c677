import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { MissingDependencyError } from "../../lib/core";
import { requires } from "./requires";

function wasmToolchain(): void {
  const clang = spawnSync("clang", ["--print-targets"], { encoding: "utf8" });
  const lld = spawnSync("wasm-ld", ["--version"], { encoding: "utf8" });
  if (!(clang.status === 0 && /wasm32/.test(clang.stdout) && lld.status === 0)) {
    throw new MissingDependencyError("clang/wasm-ld with the wasm32 target are not installed (apt-get install clang lld)");
  }
}

/** Runs `build.sh --check` of a committed WebAssembly binary: it must match its C sources (skipped without clang/lld, except in CI). */
export function checkWasmBuild(t: { skip: (message: string) => void }, script: string): void {
  if (!requires(t, wasmToolchain)) return;
  const r = spawnSync("sh", [script, "--check"], { encoding: "utf8" });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /matches/);
}
