import * as fs from "node:fs";
import { ConfigError, ParseError, writeFileAtomic } from "../core";

/** The parts of the Jupyter notebook format (nbformat 4) the workbench reads and writes. */
export interface NotebookOutput {
  output_type: "stream" | "display_data" | "execute_result" | "error" | "update_display_data";
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

export interface NotebookCell {
  cell_type: "code" | "markdown" | "raw";
  source: string | string[];
  metadata: { tags?: string[]; [k: string]: unknown };
  outputs?: NotebookOutput[];
  execution_count?: number | null;
  id?: string;
}

export interface Notebook {
  cells: NotebookCell[];
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
}

export function cellSource(cell: NotebookCell): string {
  return Array.isArray(cell.source) ? cell.source.join("") : cell.source;
}

export function readNotebook(file: string): Notebook {
  let nb: Partial<Record<keyof Notebook, unknown>>;
  try {
    nb = JSON.parse(fs.readFileSync(file, "utf8")) as typeof nb;
  } catch (err) {
    throw new ParseError(file, {}, `not a readable notebook: ${(err as Error).message}`, { cause: err });
  }
  if (!Array.isArray(nb.cells) || nb.nbformat !== 4) {
    throw new ParseError(file, {}, `expected an nbformat 4 notebook with a cells array, found nbformat ${String(nb.nbformat)}`);
  }
  const bad = nb.cells.findIndex(
    (c: unknown) =>
      typeof c !== "object" ||
      c === null ||
      !("cell_type" in c) ||
      !("source" in c) ||
      !("metadata" in c) ||
      typeof c.metadata !== "object" ||
      c.metadata === null,
  );
  if (bad >= 0)
    throw new ParseError(file, {}, `cell ${bad}: expected an object with cell_type, source and metadata, as nbformat 4 requires`);
  return nb as unknown as Notebook;
}

export function writeNotebook(file: string, nb: Notebook): void {
  writeFileAtomic(file, JSON.stringify(nb, null, 1) + "\n");
}

/** The code cells carrying `tag`. */
export function cellsTagged(nb: Notebook, tag: string): NotebookCell[] {
  return nb.cells.filter((c) => c.metadata.tags?.includes(tag));
}

const PARAM_LINE = /^(\s*(?:export\s+)?(?:const|let)\s+([A-Za-z_$][\w$]*)\s*(?::[^=]+)?=\s*)(.*?);?\s*(\/\/.*)?$/;

/**
 * Returns a copy of the notebook whose parameters cell (the first code cell
 * tagged "parameters", one `const NAME = value;` per line) has the given
 * values instead. Values are written as JSON, so strings, numbers, booleans,
 * null, arrays and plain objects work. An unknown name is an error listing
 * the parameters the notebook has.
 */
export function withParameters(nb: Notebook, values: Record<string, unknown>, file = "notebook"): Notebook {
  const copy = JSON.parse(JSON.stringify(nb)) as Notebook;
  const cell = copy.cells.find((c) => c.cell_type === "code" && c.metadata.tags?.includes("parameters"));
  if (!cell) {
    if (Object.keys(values).length === 0) return copy;
    throw new ConfigError(`${file}: no code cell is tagged "parameters", so ${Object.keys(values).join(", ")} cannot be set`);
  }
  const lines = cellSource(cell).split("\n");
  const known: string[] = [];
  const remaining = new Set(Object.keys(values));
  const out = lines.map((line) => {
    const m = PARAM_LINE.exec(line);
    if (!m) return line;
    const name = m[2]!;
    known.push(name);
    if (!(name in values)) return line;
    remaining.delete(name);
    return `${m[1]}${JSON.stringify(values[name])};${m[4] ? ` ${m[4]}` : ""}`;
  });
  if (remaining.size > 0) {
    throw new ConfigError(
      `${file}: unknown parameter(s) ${[...remaining].join(", ")}; the parameters cell defines ${known.join(", ") || "nothing"}`,
    );
  }
  cell.source = out.join("\n");
  return copy;
}

/** Removes outputs and execution counts, for committing notebooks without stale results. */
export function clearOutputs(nb: Notebook): Notebook {
  const copy = JSON.parse(JSON.stringify(nb)) as Notebook;
  for (const c of copy.cells) {
    if (c.cell_type === "code") {
      c.outputs = [];
      c.execution_count = null;
    }
  }
  return copy;
}
