import * as fs from "node:fs";
import * as path from "node:path";
import { ParseError, WorkbenchError, MissingDependencyError, checkChoice } from "../core";
import { readExcelFile } from "./excel";
import type { ExcelCell } from "./excel";

/**
 * Tables: label sheets (CSV through danfojs, Excel through lib/io/excel.ts),
 * and a small strict CSV reader/writer of our own for the files the workbench
 * itself writes (manifests), which must load synchronously and without
 * danfo's start-up cost.
 */
export type Cell = string | number | boolean | null;

export interface Table {
  file: string;
  columns: string[];
  /** One record per row, keyed by column name. */
  rows: Array<Record<string, Cell>>;
}

/** Options for readTableFile; every field optional. */
export interface ReadTableOptions {
  /** Excel sheet by name or 0-based index (default the first). */
  sheet?: string | number;
  /** Format (default from the extension: .xlsx/.xlsm/.xls → excel, anything else csv). */
  format?: TableFormat;
}

export type TableFormat = "csv" | "excel";
const TABLE_FORMATS: readonly TableFormat[] = ["csv", "excel"];

// danfojs-node is loaded only when a user table is read: it takes seconds to start.
type Danfo = {
  readCSV(file: string, options?: Record<string, unknown>): Promise<DanfoFrame>;
  DataFrame: new (data: unknown, options?: Record<string, unknown>) => DanfoFrame;
};
type DanfoFrame = { columns: string[]; values: unknown[][] };

async function danfo(): Promise<Danfo> {
  try {
    return (await import("danfojs-node")) as unknown as Danfo;
  } catch (e) {
    throw new MissingDependencyError("reading tables needs danfojs-node: run `npm install` in the workbench folder", { cause: e });
  }
}

function formatFor(file: string, format?: TableFormat): TableFormat {
  if (format) return checkChoice("table format", format, TABLE_FORMATS);
  const ext = path.extname(file).toLowerCase();
  if (ext === ".xlsx" || ext === ".xls" || ext === ".xlsm") return "excel";
  return "csv";
}

/**
 * Reads a CSV or Excel table: the first row names the columns, values keep
 * their types (numbers stay numbers), empty cells are null, rows with no
 * value at all are skipped.
 */
export async function readTableFile(file: string, options: ReadTableOptions = {}): Promise<Table> {
  if (!fs.existsSync(file)) throw new WorkbenchError(`${file}: no such file`);
  const format = formatFor(file, options.format);
  if (format === "excel") return excelTable(file, options.sheet);
  const dfd = await danfo();
  let frame: DanfoFrame;
  try {
    frame = await dfd.readCSV(file, { skipEmptyLines: true });
  } catch (e) {
    if (e instanceof WorkbenchError) throw e;
    throw new ParseError(file, {}, `could not read as csv: ${(e as Error).message}`, { cause: e });
  }
  const columns = frame.columns.map(String);
  const rows = frame.values.map((r) => {
    const rec: Record<string, Cell> = {};
    columns.forEach((c, i) => {
      const v = r[i];
      rec[c] = v === undefined || (typeof v === "number" && Number.isNaN(v)) ? null : (v as Cell);
    });
    return rec;
  });
  return { file, columns, rows };
}

/** Header cells as column names: an empty one is `column<N>`, a repeated one gets `_2`, `_3`, …. */
function columnNames(header: ExcelCell[]): string[] {
  const seen = new Map<string, number>();
  return header.map((h, i) => {
    const base = h === null || h === "" ? `column${i + 1}` : String(h);
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base}_${n}`;
  });
}

async function excelTable(file: string, sheet: string | number | undefined): Promise<Table> {
  const sheets = await readExcelFile(file);
  const i = sheet === undefined ? 0 : typeof sheet === "number" ? sheet : sheets.findIndex((s) => s.name === sheet);
  if (!(Number.isInteger(i) && i >= 0 && i < sheets.length)) {
    throw new WorkbenchError(
      `${file}: no sheet ${JSON.stringify(sheet)}; the workbook has ${sheets.map((s) => JSON.stringify(s.name)).join(", ")}`,
    );
  }
  const [header = [], ...body] = sheets[i]!.rows;
  const width = Math.max(header.length, ...body.map((r) => r.length));
  const columns = columnNames(Array.from({ length: width }, (_, c) => header[c] ?? null));
  const rows = body
    .filter((r) => r.some((v) => v !== null && v !== ""))
    .map((r) => Object.fromEntries(columns.map((c, k) => [c, r[k] ?? null])) as Record<string, Cell>);
  return { file, columns, rows };
}

/** A table as a danfojs DataFrame, for users who want danfo's tools in a notebook. */
export async function tableToDataFrame(t: Table): Promise<unknown> {
  const dfd = await danfo();
  return new dfd.DataFrame(
    t.rows.map((r) => t.columns.map((c) => r[c])),
    { columns: t.columns },
  );
}

/** The values of one column; the error lists the columns there are. */
export function tableColumn(t: Table, name: string): Cell[] {
  if (!t.columns.includes(name)) {
    throw new WorkbenchError(`${t.file}: no column "${name}"; the columns are ${t.columns.map((c) => `"${c}"`).join(", ")}`);
  }
  return t.rows.map((r) => r[name] ?? null);
}

/**
 * Strict RFC 4180 CSV: comma separated, fields quoted with `"` when they hold
 * commas, quotes or newlines, first row the header. Every row must have as many
 * fields as the header. Values are strings; empty fields are "".
 */
export function parseCsv(text: string, file = "<csv>"): { columns: string[]; rows: string[][] } {
  const records: Array<{ fields: string[]; line: number }> = [];
  let fields: string[] = [];
  let field = "";
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const n = text.length;
  let atFieldStart = true;
  for (; i < n; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === "\n") line++;
        field += ch;
      }
      continue;
    }
    if (ch === '"' && atFieldStart) {
      quoted = true;
      atFieldStart = false;
    } else if (ch === ",") {
      fields.push(field);
      field = "";
      atFieldStart = true;
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      fields.push(field);
      if (!(fields.length === 1 && fields[0] === "")) records.push({ fields, line: recordLine });
      fields = [];
      field = "";
      atFieldStart = true;
      line++;
      recordLine = line;
    } else {
      field += ch;
      atFieldStart = false;
    }
  }
  if (quoted) throw new ParseError(file, { line: recordLine }, "a quoted field is not closed");
  if (field !== "" || fields.length > 0) {
    fields.push(field);
    records.push({ fields, line: recordLine });
  }
  if (records.length === 0) throw new ParseError(file, { line: 1 }, "empty table: expected a header row");
  const columns = records[0]!.fields;
  for (const r of records.slice(1)) {
    if (r.fields.length !== columns.length) {
      throw new ParseError(file, { line: r.line }, `expected ${columns.length} fields (${columns.join(",")}), found ${r.fields.length}`);
    }
  }
  return { columns, rows: records.slice(1).map((r) => r.fields) };
}

function quote(v: Cell): string {
  const s = v === null ? "" : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV text for rows of records (columns in the given order). */
export function formatCsv(columns: string[], rows: Array<Record<string, Cell>>): string {
  const out = [columns.map(quote).join(",")];
  for (const r of rows) out.push(columns.map((c) => quote(r[c] ?? null)).join(","));
  return out.join("\n") + "\n";
}
