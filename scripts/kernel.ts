/**
 * `npm run kernel`: registers the workbench's tslab kernel with JupyterLab,
 * with absolute paths to this Node and to tslab, so it starts from a desktop
 * launcher or another environment as well as from this shell.
 */
import { command, main } from "../lib/cli";
import { KERNEL_NAME, installKernelspec } from "../lib/notebook";

export const kernelCommand = command({
  name: "kernel",
  summary: `register the "${KERNEL_NAME}" Jupyter kernel (TypeScript through tslab) with absolute paths`,
  description:
    "Writes kernels/tslab-workbench/kernel.json into the user's Jupyter data directory, an environment's prefix or a given prefix.",
  options: {
    sysPrefix: {
      type: "boolean",
      description: "install into the active Python environment (conda, virtualenv) instead of the user's directory",
    },
    prefix: { type: "string", placeholder: "dir", description: "install into <dir>/share/jupyter/kernels" },
    python: { type: "string", description: "the Python whose sys.prefix --sys-prefix uses (default $CONDA_PREFIX, else python3)" },
  },
  examples: ["npm run kernel", "npm run kernel -- --sys-prefix"],
  run({ values }) {
    const dir = installKernelspec({ prefix: values.prefix, sysPrefix: values.sysPrefix, python: values.python });
    process.stdout.write(`${dir}\n`);
  },
});

if (require.main === module) main(kernelCommand);
