import { test } from "node:test";
import * as assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as path from "node:path";
import { packageInstalled, type EngineInfo } from "../../lib/engine";
import { nativeToolchain } from "../helpers/native-build";
import { requires } from "../helpers/requires";

const root = path.resolve(__dirname, "../..");

/** Runs a fresh Node process (a backend is chosen once per process). */
function engineIn(env: Record<string, string | undefined>): { status: number | null; stdout: string; stderr: string } {
  const script = `require("./lib/engine").initEngine({quiet: true}).then(e => console.log(JSON.stringify(e)), e => { console.error(e.name + ": " + e.message); process.exit(3); })`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "-e", script], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: "utf8",
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The engine the process chose: the JSON line it printed last. */
function engineInfo(r: { stdout: string }): EngineInfo {
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as EngineInfo;
}

test("without the variable the fastest present backend is chosen, and the others are explained", () => {
  const r = engineIn({ WORKBENCH_BACKEND: "" });
  assert.equal(r.status, 0, r.stderr);
  const info = engineInfo(r);
  assert.ok(["tfjs-node-gpu", "tfjs-node", "wasm"].includes(info.backend), info.backend);
  assert.match(info.message, /^Engine: \S+ on .+, tfjs 4\.22\.0$/);
  for (const s of info.skipped) assert.match(s, /is not installed|failed to start/);
});

for (const backend of ["wasm", "cpu"]) {
  test(`WORKBENCH_BACKEND=${backend} forces ${backend}`, () => {
    const r = engineIn({ WORKBENCH_BACKEND: backend });
    assert.equal(r.status, 0, r.stderr);
    const info = engineInfo(r);
    assert.equal(info.backend, backend);
    assert.equal(info.tfBackend, backend);
    assert.equal(info.forced, true);
    assert.match(info.message, /forced by WORKBENCH_BACKEND/);
  });
}

test("forcing an absent backend fails and names the package to install", (t) => {
  if (packageInstalled("@tensorflow/tfjs-node-gpu")) {
    t.skip("tfjs-node-gpu is installed on this machine");
    return;
  }
  const r = engineIn({ WORKBENCH_BACKEND: "tfjs-node-gpu" });
  assert.equal(r.status, 3);
  assert.match(
    r.stderr,
    /MissingDependencyError: backend tfjs-node-gpu was asked for \(WORKBENCH_BACKEND\) but @tensorflow\/tfjs-node-gpu is not installed .*npm install @tensorflow\/tfjs-node-gpu@4\.22\.0.*Available here: .*cpu/,
  );
});

test("an unknown backend name lists the valid ones", () => {
  const r = engineIn({ WORKBENCH_BACKEND: "cuda" });
  assert.equal(r.status, 3);
  assert.match(
    r.stderr,
    /ConfigError: environment variable WORKBENCH_BACKEND: expected one of "tfjs-node-gpu", "tfjs-node", "wasm", "cpu"; found "cuda"/,
  );
});

test("exactly one copy of @tensorflow/tfjs-core is installed (danfojs-node included)", () => {
  const out = execFileSync("npm", ["ls", "@tensorflow/tfjs-core", "--all", "--parseable"], { cwd: root, encoding: "utf8" });
  const copies = new Set(
    out
      .trim()
      .split("\n")
      .filter((l) => l.endsWith(path.join("@tensorflow", "tfjs-core"))),
  );
  assert.equal(copies.size, 1, [...copies].join("\n"));
  const fromDanfo = require.resolve("@tensorflow/tfjs-core", { paths: [path.dirname(require.resolve("danfojs-node"))] });
  assert.equal(fromDanfo, require.resolve("@tensorflow/tfjs-core"));
});

test("the fast 3-D convolution kernels are installed on wasm and cpu, say which build runs them, and WORKBENCH_FAST_KERNELS=0 keeps tfjs' own", () => {
  for (const backend of ["wasm", "cpu"]) {
    const on = engineIn({ WORKBENCH_BACKEND: backend, WORKBENCH_FAST_KERNELS: "", WORKBENCH_NATIVE_KERNELS: "0" });
    assert.equal(on.status, 0, on.stderr);
    const info = engineInfo(on);
    assert.equal(info.fastKernels, true);
    assert.match(info.message, /3-D convolutions: WebAssembly SIMD, \d+ threads/);
    const off = engineIn({ WORKBENCH_BACKEND: backend, WORKBENCH_FAST_KERNELS: "0" });
    assert.equal(off.status, 0, off.stderr);
    const plain = engineInfo(off);
    assert.equal(plain.fastKernels, false);
    assert.doesNotMatch(plain.message, /3-D convolutions:/);
  }
});

test("with a C compiler the engine reports the native kernels and the compiler that built them", (t) => {
  if (!requires(t, nativeToolchain)) return;
  const on = engineIn({ WORKBENCH_BACKEND: "wasm", WORKBENCH_NATIVE_KERNELS: "1" });
  assert.equal(on.status, 0, on.stderr);
  assert.match(engineInfo(on).message, /3-D convolutions: native \((clang|gcc|cc)[^,]*, -march=native\), \d+ threads/);
});
