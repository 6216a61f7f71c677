import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { MissingDependencyError, requireSupportedNode } from "../core";

/** The kernel name the workbench's own kernelspec is registered under. */
export const KERNEL_NAME = "tslab-workbench";

/**
 * The kernel.json argv: this Node and tslab's JS entry, both absolute, so
 * the kernel starts whatever PATH JupyterLab was launched with (a desktop
 * launcher, another conda environment).
 */
function kernelJson(): string {
  requireSupportedNode();
  const tslabBin = path.join(path.dirname(require.resolve("tslab/package.json")), "bin", "tslab");
  return JSON.stringify(
    {
      argv: [process.execPath, tslabBin, "kernel", "--config-path", "{connection_file}"],
      display_name: "TypeScript (workbench tslab)",
      language: "typescript",
    },
    null,
    2,
  );
}

function writeSpec(kernelsDir: string): string {
  const dir = path.join(kernelsDir, KERNEL_NAME);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "kernel.json"), `${kernelJson()}\n`);
  return dir;
}

/**
 * Writes a Jupyter kernelspec for the project's own tslab into a fresh
 * directory and returns the directory to put on JUPYTER_PATH, so a notebook
 * run never depends on a kernel the user registered by hand.
 */
export function writeKernelspec(root = fs.mkdtempSync(path.join(os.tmpdir(), "workbench-jupyter-"))): string {
  writeSpec(path.join(root, "kernels"));
  return root;
}

/** Where to register the kernel; every field optional (default: the user's Jupyter data directory). */
export interface InstallKernelOptions {
  /** Into `<prefix>/share/jupyter/kernels`. */
  prefix?: string;
  /** Into the active Python environment's prefix (conda, virtualenv): its sys.prefix, found with `python`. */
  sysPrefix?: boolean;
  /** Python whose sys.prefix --sys-prefix uses (default: $CONDA_PREFIX when set, else python3's). */
  python?: string;
}

/** The user's Jupyter data directory, as jupyter_core chooses it. */
function userDataDir(): string {
  if (process.env.JUPYTER_DATA_DIR) return process.env.JUPYTER_DATA_DIR;
  if (process.platform === "darwin") return path.join(os.homedir(), "Library", "Jupyter");
  if (process.platform === "win32") return path.join(process.env.APPDATA ?? os.homedir(), "jupyter");
  return path.join(process.env.XDG_DATA_HOME ?? path.join(os.homedir(), ".local", "share"), "jupyter");
}

function sysPrefix(python?: string): string {
  if (!python && process.env.CONDA_PREFIX) return process.env.CONDA_PREFIX;
  const exe = python ?? "python3";
  const r = spawnSync(exe, ["-c", "import sys; print(sys.prefix)"], { encoding: "utf8" });
  if (r.status !== 0)
    throw new MissingDependencyError(
      `--sys-prefix needs a Python to ask for its sys.prefix; ${exe} did not answer (${(r.error?.message ?? r.stderr).trim()})`,
    );
  return r.stdout.trim();
}

/** Registers the workbench kernel with JupyterLab; returns the kernelspec directory written. */
export function installKernelspec(options: InstallKernelOptions = {}): string {
  const base = options.prefix ?? (options.sysPrefix ? sysPrefix(options.python) : undefined);
  return writeSpec(base ? path.join(base, "share", "jupyter", "kernels") : path.join(userDataDir(), "kernels"));
}
