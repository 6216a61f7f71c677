import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError, ParseError, writeFileAtomic } from "../core";
import { formatCsv, parseCsv, readNpyFile, writeNpy } from "../io";

/**
 * One latent vector per neuron with what is known about it: id, split and
 * the manifest's label columns (layer, depth, ...). `values` holds the
 * vectors row by row (n × dim, float32).
 */
export interface EmbeddingTable {
  ids: string[];
  splits: string[];
  /** Label columns in manifest order, each with one string per neuron ("" when missing). */
  labels: Record<string, string[]>;
  dim: number;
  values: Float32Array;
}

/** Column name of embedding value j (0-based): emb_1 .. emb_512. */
export function embeddingColumn(j: number): string {
  return `emb_${j + 1}`;
}

/**
 * The files of one table, from the `--out` argument (with or without an
 * extension): `<stem>.csv` (everything, for danfojs/pandas/Excel),
 * `<stem>.npy` (float32 n × dim) and `<stem>.meta.csv` (id, split, labels;
 * row i describes row i of the .npy) — the compact form for 41k × 512.
 */
export function embeddingFiles(out: string): { stem: string; csv: string; npy: string; meta: string } {
  const stem = out.replace(/(\.meta)?\.(csv|npy)$/i, "");
  return { stem, csv: `${stem}.csv`, npy: `${stem}.npy`, meta: `${stem}.meta.csv` };
}

function metaColumns(t: EmbeddingTable): string[] {
  return ["id", "split", ...Object.keys(t.labels)];
}

function checkTable(t: EmbeddingTable): void {
  const n = t.ids.length;
  if (t.splits.length !== n) throw new ConfigError(`embedding table: ${t.splits.length} splits for ${n} ids`);
  for (const [c, v] of Object.entries(t.labels))
    if (v.length !== n) throw new ConfigError(`embedding table: label "${c}" has ${v.length} values for ${n} ids`);
  if (t.values.length !== n * t.dim) throw new ConfigError(`embedding table: ${t.values.length} values for ${n} ids × ${t.dim}`);
}

/** Shortest decimal that reads back as the same float32. */
function f32(v: number): string {
  return String(Number(v.toPrecision(9)));
}

function metaCsv(t: EmbeddingTable): string {
  const cols = metaColumns(t);
  return formatCsv(
    cols,
    t.ids.map((id, i) => ({ id, split: t.splits[i]!, ...Object.fromEntries(Object.entries(t.labels).map(([c, v]) => [c, v[i]!])) })),
  );
}

/**
 * Writes the CSV and the binary form (.npy + .meta.csv), each atomically, so
 * an interrupted write never leaves a half table behind.
 */
export function writeEmbeddingTable(out: string, t: EmbeddingTable): { csv: string; npy: string; meta: string } {
  checkTable(t);
  const files = embeddingFiles(out);
  fs.mkdirSync(path.dirname(path.resolve(files.csv)), { recursive: true });
  writeFileAtomic(files.npy, writeNpy(t.values, [t.ids.length, t.dim], "float32"));
  writeFileAtomic(files.meta, metaCsv(t));
  // The full CSV can pass 200 MB: stream it into a temp file, then rename.
  const tmp = `${files.csv}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, "w");
  try {
    const metaLines = metaCsv(t).split("\n");
    const header = [metaLines[0], ...Array.from({ length: t.dim }, (_, j) => embeddingColumn(j))].join(",");
    fs.writeSync(fd, header + "\n");
    let chunk: string[] = [];
    for (let i = 0; i < t.ids.length; i++) {
      const row = new Array<string>(t.dim);
      for (let j = 0; j < t.dim; j++) row[j] = f32(t.values[i * t.dim + j]!);
      chunk.push(`${metaLines[i + 1]},${row.join(",")}`);
      if (chunk.length === 1000 || i === t.ids.length - 1) {
        fs.writeSync(fd, chunk.join("\n") + "\n");
        chunk = [];
      }
    }
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, files.csv);
  return files;
}

function tableFromMeta(columns: string[], rows: string[][], file: string): Omit<EmbeddingTable, "dim" | "values"> {
  if (columns[0] !== "id" || columns[1] !== "split")
    throw new ParseError(file, { line: 1 }, `expected the columns to start with id,split; found ${columns.slice(0, 2).join(",")}`);
  const labelColumns = columns.slice(2).filter((c) => !/^emb_\d+$/.test(c));
  const labels: Record<string, string[]> = Object.fromEntries(labelColumns.map((c) => [c, [] as string[]]));
  const ids: string[] = [];
  const splits: string[] = [];
  for (const r of rows) {
    ids.push(r[0]!);
    splits.push(r[1]!);
    labelColumns.forEach((c, k) => labels[c]!.push(r[2 + k] ?? ""));
  }
  return { ids, splits, labels };
}

/**
 * Reads a table back: from the binary form when `<stem>.npy` and
 * `<stem>.meta.csv` exist (fast), otherwise from `<stem>.csv`.
 */
export function readEmbeddingTable(out: string): EmbeddingTable {
  const files = embeddingFiles(out);
  if (fs.existsSync(files.npy) && fs.existsSync(files.meta)) {
    const a = readNpyFile(files.npy);
    if (a.shape.length !== 2 || !(a.data instanceof Float32Array)) {
      throw new ParseError(files.npy, {}, `expected a 2-D float32 array; found ${a.dtype} of shape [${a.shape.join(", ")}]`);
    }
    const { columns, rows } = parseCsv(fs.readFileSync(files.meta, "utf8"), files.meta);
    if (rows.length !== a.shape[0]) throw new ParseError(files.meta, {}, `${rows.length} rows but ${files.npy} has ${a.shape[0]}`);
    return { ...tableFromMeta(columns, rows, files.meta), dim: a.shape[1]!, values: a.data };
  }
  if (!fs.existsSync(files.csv))
    throw new ConfigError(`no embedding table at ${files.stem} (looked for ${files.npy} + ${files.meta}, and ${files.csv})`);
  const { columns, rows } = parseCsv(fs.readFileSync(files.csv, "utf8"), files.csv);
  const first = columns.findIndex((c) => /^emb_\d+$/.test(c));
  if (first < 0) throw new ParseError(files.csv, { line: 1 }, "no emb_1.. columns");
  const dim = columns.length - first;
  columns.slice(first).forEach((c, j) => {
    if (c !== embeddingColumn(j))
      throw new ParseError(files.csv, { line: 1 }, `column ${first + j + 1}: expected ${embeddingColumn(j)}, found ${c}`);
  });
  const values = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => {
    for (let j = 0; j < dim; j++) {
      const v = Number(r[first + j]);
      if (r[first + j] === "" || !Number.isFinite(v))
        throw new ParseError(files.csv, { line: i + 2 }, `${embeddingColumn(j)}: expected a number, found "${r[first + j]}"`);
      values[i * dim + j] = v;
    }
  });
  return { ...tableFromMeta(columns.slice(0, first), rows, files.csv), dim, values };
}
