import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { KERNEL_CACHE_ENV, loadNativeKernels, NATIVE_KERNELS_ENV } from "../../lib/engine/native-kernels";
import { withEnv } from "../helpers/env";
import { nativeToolchain } from "../helpers/native-build";
import { requires } from "../helpers/requires";

const FIXTURE = path.join(__dirname, "kernels-threads.fixture.ts");

/** The fixture's convolution and batch-norm gradients with the given kernel build. */
function gradients(native: "0" | "1", env: Record<string, string> = {}): number[][] {
  const r = spawnSync(process.execPath, ["--import", "tsx", FIXTURE, "--values"], {
    encoding: "utf8",
    env: { ...process.env, [NATIVE_KERNELS_ENV]: native, ...env },
    maxBuffer: 64 * 2 ** 20,
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as number[][];
}

test("the native kernels are built once into the cache, atomically, and loaded from it after", (t) => {
  if (!requires(t, nativeToolchain)) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kernel-cache-"));
  try {
    withEnv({ [KERNEL_CACHE_ENV]: dir }, () => {
      const first = loadNativeKernels();
      if (typeof first === "string") assert.fail(first);
      assert.equal(path.dirname(first.file), dir);
      assert.deepEqual(fs.readdirSync(dir), [path.basename(first.file)], "no temporary file is left behind");
      const built = fs.statSync(first.file).mtimeMs;
      const second = loadNativeKernels();
      assert.ok(typeof second !== "string");
      assert.equal(second.file, first.file);
      assert.equal(fs.statSync(second.file).mtimeMs, built, "the cached build is reused, not rebuilt");
      assert.match(second.compiler, /^(clang|gcc|cc)( \d+\.\d+)?/);
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("without a working compiler the native build says why, and nothing half-built stays in the cache", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kernel-cache-"));
  try {
    withEnv({ [KERNEL_CACHE_ENV]: dir, CC: "/nonexistent/cc" }, () => {
      assert.equal(loadNativeKernels(), "no C compiler (/nonexistent/cc)");
    });
    // `sh -c` with a script that prints a version but fails to compile, as a broken toolchain does.
    const cc = path.join(dir, "broken-cc");
    fs.writeFileSync(cc, '#!/bin/sh\n[ "$1" = --version ] && { echo "broken 1.0"; exit 0; }\necho "error: no such target" >&2; exit 1\n', {
      mode: 0o755,
    });
    withEnv({ [KERNEL_CACHE_ENV]: dir, CC: cc }, () => {
      assert.equal(loadNativeKernels(), `${cc} could not build the kernels: error: no such target`);
    });
    assert.deepEqual(fs.readdirSync(dir), ["broken-cc"]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("WORKBENCH_NATIVE_KERNELS=1 without a compiler fails naming the variable and the reason; auto falls back to WebAssembly", () => {
  const failed = spawnSync(process.execPath, ["--import", "tsx", FIXTURE], {
    encoding: "utf8",
    env: { ...process.env, [NATIVE_KERNELS_ENV]: "1", CC: "/nonexistent/cc" },
  });
  assert.notEqual(failed.status, 0);
  assert.match(failed.stderr, /WORKBENCH_NATIVE_KERNELS=1 but no C compiler \(\/nonexistent\/cc\)/);
  const wrong = spawnSync(process.execPath, ["--import", "tsx", FIXTURE], {
    encoding: "utf8",
    env: { ...process.env, [NATIVE_KERNELS_ENV]: "yes" },
  });
  assert.match(wrong.stderr, /WORKBENCH_NATIVE_KERNELS must be 0, 1 or auto, found "yes"/);
  const fallback = spawnSync(process.execPath, ["--import", "tsx", FIXTURE], {
    encoding: "utf8",
    env: { ...process.env, [NATIVE_KERNELS_ENV]: "auto", CC: "/nonexistent/cc" },
  });
  assert.equal(fallback.status, 0, fallback.stderr);
  assert.match(fallback.stdout.trim(), /^[0-9a-f]{64}$/);
});

test("the native and the WebAssembly kernels give the same convolution and batch-norm gradients within 1e-5 of their scale", (t) => {
  if (!requires(t, nativeToolchain)) return;
  const wasm = gradients("0");
  const native = gradients("1");
  assert.equal(native.length, wasm.length);
  wasm.forEach((w, i) => {
    const n = native[i]!;
    assert.equal(n.length, w.length);
    const scale = Math.max(...w.map(Math.abs));
    const worst = Math.max(...w.map((v, j) => Math.abs(v - n[j]!)));
    assert.ok(worst <= 1e-5 * scale, `gradient ${i}: largest difference ${worst} against a scale of ${scale}`);
  });
});
