import * as fs from "node:fs";
import * as path from "node:path";
import { WorkbenchError } from "../core";
import { parseCsv, readTableFile } from "../io";
import type { Cell, Table } from "../io";

/** A label table (CSV or Excel) with one row per neuron. */
export async function readLabelTable(file: string): Promise<Table> {
  // CSV goes through the strict reader so 18-digit segment ids stay exact strings;
  // danfo would turn them into floating-point numbers.
  if (path.extname(file).toLowerCase() === ".csv") {
    if (!fs.existsSync(file)) throw new WorkbenchError(`${file}: no such file`);
    const t = parseCsv(fs.readFileSync(file, "utf8"), file);
    return { file, columns: t.columns, rows: t.rows.map((r) => Object.fromEntries(t.columns.map((c, i) => [c, r[i]!]))) };
  }
  return readTableFile(file);
}

/** A table cell as the manifest writes it: empty for a missing value. */
export function cellText(v: Cell | undefined): string {
  return v === null || v === undefined ? "" : String(v);
}

/** A neuron to match with the label table: its id and its file. */
export interface LabelledFile {
  id: string;
  file: string;
}

export interface LabelMatch {
  /** The id column used. */
  idColumn: string;
  /** Label columns, in table order. */
  columns: string[];
  /** Each matched neuron's row: every column of the table as text. */
  rows: Map<string, Record<string, string>>;
  /** Each matched neuron's row number (the header is row 1). */
  rowNumbers: Map<string, number>;
  /** Ids without a row. */
  unlabelled: string[];
  /** Rows naming no neuron among the files: the row number (the header is row 1, as in a spreadsheet) and the value. */
  unmatched: Array<{ row: number; key: string }>;
}

/**
 * Pairs label rows with neurons through `idColumn` (default "id" when the
 * table has it, else its first column), whose values may be file names
 * ("LLC7B-1.CNG.swc", or a path ending in one), file names without the
 * extension ("LLC7B-1.CNG") or ids ("LLC7B-1"). Two rows for one neuron are
 * an error naming both.
 */
export function matchLabels(table: Table, files: readonly LabelledFile[], idColumn?: string): LabelMatch {
  const column = idColumn ?? (table.columns.includes("id") ? "id" : table.columns[0]);
  if (column === undefined)
    throw new WorkbenchError(`${table.file}: the table has no columns; expected a header row naming an id column and the labels`);
  if (!table.columns.includes(column)) {
    throw new WorkbenchError(
      `${table.file}: no id column "${column}"; the columns are ${table.columns.map((c) => `"${c}"`).join(", ")} (choose one with the id column option)`,
    );
  }
  // Exact file names first, then ids, then names without the extension, so a
  // value that is one neuron's file name is never taken for another's id.
  const byName = new Map<string, string>();
  const byId = new Map(files.map((f) => [f.id, f.id]));
  const byStem = new Map<string, string>();
  for (const f of files) {
    const name = path.basename(f.file);
    byName.set(name, f.id);
    byStem.set(path.basename(name, path.extname(name)), f.id);
  }
  const rows = new Map<string, Record<string, string>>();
  const rowOf = new Map<string, number>();
  const unmatched: LabelMatch["unmatched"] = [];
  table.rows.forEach((r, i) => {
    const row = i + 2;
    const key = cellText(r[column]).trim();
    const lookup = (k: string): string | undefined => byName.get(k) ?? byId.get(k) ?? byStem.get(k);
    // A path ("swc/LLC7B-1.CNG.swc") names the file by its last part.
    const id = lookup(key) ?? lookup(path.basename(key));
    if (id === undefined) {
      unmatched.push({ row, key });
      return;
    }
    const first = rowOf.get(id);
    if (first !== undefined) throw new WorkbenchError(`${table.file}: rows ${first} and ${row} both label neuron "${id}"; keep one`);
    rowOf.set(id, row);
    rows.set(id, Object.fromEntries(table.columns.map((c) => [c, cellText(r[c])])));
  });
  return {
    idColumn: column,
    columns: table.columns.filter((c) => c !== column),
    rows,
    rowNumbers: rowOf,
    unlabelled: files.filter((f) => !rows.has(f.id)).map((f) => f.id),
    unmatched,
  };
}
