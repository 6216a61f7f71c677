import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { MissingDependencyError } from "../../lib/core";
import { KERNEL_NAME } from "../../lib/notebook";
import { requires } from "../helpers/requires";

const ROOT = path.resolve(__dirname, "../..");
const PYTHON = "/usr/bin/python3";

/** The kernelspecs jupyter_client sees under the given environment. */
function listed(env: NodeJS.ProcessEnv): Record<string, { resource_dir: string; spec: { argv: string[] } }> {
  const r = spawnSync(
    PYTHON,
    ["-c", "import json; from jupyter_client.kernelspec import KernelSpecManager as K; print(json.dumps(K().get_all_specs()))"],
    { env, encoding: "utf8" },
  );
  if (r.status !== 0)
    throw new MissingDependencyError(
      `jupyter_client is not importable by ${PYTHON} (apt-get install python3-jupyter-client): ${r.stderr.trim()}`,
    );
  return JSON.parse(r.stdout) as Record<string, { resource_dir: string; spec: { argv: string[] } }>;
}

test("npm run kernel registers the kernel with absolute paths; jupyter lists it, and its argv starts tslab", (t) => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "kernel-"));
  const env = { ...process.env, JUPYTER_DATA_DIR: path.join(base, "data"), JUPYTER_PATH: "", CONDA_PREFIX: "" };
  if (!requires(t, () => listed(env))) return;
  const cli = (args: string[]) =>
    spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts/kernel.ts"), ...args], { cwd: ROOT, env, encoding: "utf8" });
  const user = cli([]);
  assert.equal(user.status, 0, user.stderr);
  assert.equal(user.stdout.trim(), path.join(base, "data", "kernels", KERNEL_NAME));
  const spec = listed(env)[KERNEL_NAME];
  assert.ok(spec, "jupyter lists the kernel");
  const argv = spec.spec.argv;
  assert.ok(path.isAbsolute(argv[0]!) && path.isAbsolute(argv[1]!), argv.join(" "));
  assert.deepEqual(argv.slice(2), ["kernel", "--config-path", "{connection_file}"]);
  const version = spawnSync(argv[0]!, [argv[1]!, "--version"], { encoding: "utf8", env: { PATH: "" } });
  assert.equal(version.status, 0, `the kernel's node and tslab start without PATH: ${version.stderr}`);
  // --sys-prefix: into the environment of the given Python (a conda env's python in practice).
  const prefix = path.join(base, "env");
  const venv = spawnSync(PYTHON, ["-m", "venv", "--without-pip", "--system-site-packages", prefix]);
  assert.equal(venv.status, 0);
  const sys = cli(["--sys-prefix", "--python", path.join(prefix, "bin", "python3")]);
  assert.equal(sys.status, 0, sys.stderr);
  assert.equal(sys.stdout.trim(), path.join(prefix, "share", "jupyter", "kernels", KERNEL_NAME));
  assert.ok(fs.existsSync(path.join(sys.stdout.trim(), "kernel.json")));
  fs.rmSync(base, { recursive: true, force: true });
});
