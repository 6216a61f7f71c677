import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** The kernel name the workbench's own kernelspec is registered under. */
export const KERNEL_NAME = "tslab-workbench";

/**
 * Writes a Jupyter kernelspec for the project's own tslab into a fresh
 * directory and returns the directory to put on JUPYTER_PATH. Pointing at the
 * absolute tslab and node paths means a run never depends on what is on PATH
 * or on a kernel the user registered by hand.
 */
export function writeKernelspec(root = fs.mkdtempSync(path.join(os.tmpdir(), "workbench-jupyter-"))): string {
  const tslabBin = path.join(path.dirname(require.resolve("tslab/package.json")), "bin", "tslab");
  const dir = path.join(root, "kernels", KERNEL_NAME);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, "kernel.json"),
    JSON.stringify(
      {
        argv: [process.execPath, tslabBin, "kernel", "--config-path", "{connection_file}"],
        display_name: "TypeScript (workbench tslab)",
        language: "typescript",
      },
      null,
      2,
    ),
  );
  return root;
}
