import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { MissingDependencyError, projectRoot, WorkbenchError } from "../core";
import { KERNEL_NAME, writeKernelspec } from "./kernelspec";
import { type Notebook, type NotebookOutput, cellsTagged, readNotebook, withParameters, writeNotebook } from "./notebook";

/** The environment variable naming the Python that has nbclient (default: /usr/bin/python3, then python3). */
const PYTHON_ENV = "WORKBENCH_PYTHON";

function hasNbclient(python: string): boolean {
  const r = spawnSync(python, ["-c", "import nbclient, nbformat"], { encoding: "utf8" });
  return r.status === 0;
}

/** A Python interpreter that can run notebooks, or an error saying what to install. */
export function findNotebookPython(): string {
  const candidates = [process.env[PYTHON_ENV], "/usr/bin/python3", "python3"].filter((c): c is string => !!c);
  for (const c of candidates) if (hasNbclient(c)) return c;
  throw new MissingDependencyError(
    `no Python with nbclient found to execute notebooks (tried ${candidates.join(", ")}). ` +
      `Install it (Debian/Ubuntu: apt-get install python3-nbclient python3-nbformat jupyter-client; conda: the environment.yml of this project) or set ${PYTHON_ENV}`,
  );
}

export interface RunNotebookOptions {
  /** Values for the parameters cell (see withParameters). */
  parameters?: Record<string, unknown>;
  /** Per-cell time limit (default 1200 s). */
  timeoutSeconds?: number;
  /** Where to write the executed notebook (default: a temp file). */
  outFile?: string;
  /** Working directory of the kernel (default: the notebook's folder, as in JupyterLab). */
  cwd?: string;
  /** Extra environment variables for the kernel. */
  env?: Record<string, string>;
}

export interface NotebookRun {
  ok: boolean;
  /** The first failing cell's error (nbclient's message, with the traceback). */
  error: { type: string; message: string } | null;
  seconds: number;
  /** The executed notebook, outputs included. */
  notebook: Notebook;
  outFile: string;
}

/**
 * Executes a notebook top to bottom in a real tslab kernel (the project's own
 * tslab, registered in a throw-away kernelspec) and returns it with its
 * outputs. Execution stops at the first failing cell.
 */
export function runNotebook(file: string, options: RunNotebookOptions = {}): NotebookRun {
  const python = findNotebookPython();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "workbench-nbrun-"));
  try {
    const jupyterPath = writeKernelspec(path.join(work, "jupyter"));
    const cwd = path.resolve(options.cwd ?? path.dirname(file));
    // The notebook is executed from a copy beside the original, so relative
    // imports such as "../lib/viz" resolve exactly as they do in JupyterLab.
    const input = path.join(path.dirname(path.resolve(file)), `.${path.basename(file, ".ipynb")}.${process.pid}.run.ipynb`);
    writeNotebook(input, withParameters(readNotebook(file), options.parameters ?? {}, file));
    const outFile = path.resolve(options.outFile ?? path.join(work, "out.ipynb"));
    try {
      const r = spawnSync(
        python,
        [
          path.join(projectRoot(), "lib", "notebook", "execute.py"),
          input,
          outFile,
          KERNEL_NAME,
          String(options.timeoutSeconds ?? 1200),
          cwd,
        ],
        {
          cwd,
          encoding: "utf8",
          maxBuffer: 1 << 28,
          env: {
            ...process.env,
            ...options.env,
            JUPYTER_PATH: [jupyterPath, process.env.JUPYTER_PATH].filter(Boolean).join(path.delimiter),
          },
        },
      );
      const last = r.stdout.trim().split("\n").pop() ?? "";
      let report: { ok: boolean; error: NotebookRun["error"]; seconds: number };
      try {
        report = JSON.parse(last) as typeof report;
      } catch {
        throw new WorkbenchError(`running ${file}: the notebook executor failed (exit ${r.status}): ${r.stderr.slice(-4000)}`);
      }
      const notebook = readNotebook(outFile);
      const result = { ...report, notebook, outFile };
      if (!options.outFile) fs.copyFileSync(outFile, `${outFile}.keep`);
      return { ...result, outFile: options.outFile ? outFile : `${outFile}.keep` };
    } finally {
      fs.rmSync(input, { force: true });
    }
  } finally {
    if (!options.outFile) {
      // Keep only the executed notebook (for inspection after a failure).
      for (const e of fs.readdirSync(work)) if (!e.endsWith(".keep")) fs.rmSync(path.join(work, e), { recursive: true, force: true });
    }
  }
}

/** All outputs of the cells tagged `tag`. */
export function outputsTagged(nb: Notebook, tag: string): NotebookOutput[] {
  return cellsTagged(nb, tag).flatMap((c) => c.outputs ?? []);
}

/** The MIME types present among outputs. */
export function mimeTypes(outputs: NotebookOutput[]): Set<string> {
  const types = new Set<string>();
  for (const o of outputs) {
    if (o.output_type === "stream") types.add("stream");
    for (const k of Object.keys(o.data ?? {})) types.add(k);
  }
  return types;
}

/** All text of outputs: streams and text/plain. */
export function outputText(outputs: NotebookOutput[]): string {
  const join = (t: unknown): string => (Array.isArray(t) ? t.join("") : typeof t === "string" ? t : "");
  return outputs.map((o) => (o.output_type === "stream" ? join(o.text) : join(o.data?.["text/plain"]))).join("\n");
}
