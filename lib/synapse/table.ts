import * as fs from "node:fs";
import * as path from "node:path";
import { ParseError } from "../core";
import { parseCsv, readExcelFile } from "../io";
import type { Finding } from "./findings";

/** One synapse of a box table; coordinates are 0-based voxel indices (x, y, z). */
export interface SynapseRecord {
  box: string;
  /** `Var1` of the table. */
  name: string;
  centre: [number, number, number];
  side1: [number, number, number];
  side2: [number, number, number];
  /** Every other column, as text (e.g. a synthetic table's true type). */
  extra: Record<string, string>;
  /** 1-based data row in the table file (row 1 is the header), for messages. */
  row: number;
}

export const TABLE_COLUMNS = [
  "Var1",
  "central_coord_1",
  "central_coord_2",
  "central_coord_3",
  "side_1_coord_1",
  "side_1_coord_2",
  "side_1_coord_3",
  "side_2_coord_1",
  "side_2_coord_2",
  "side_2_coord_3",
] as const;

/** A CSV as rows of strings, the header first (the shape the Excel reader gives too). */
export function csvRows(file: string): string[][] {
  const { columns, rows } = parseCsv(fs.readFileSync(file, "utf8"), file);
  return [columns, ...rows];
}

async function readRows(file: string): Promise<string[][]> {
  const ext = path.extname(file).toLowerCase();
  if (ext === ".csv") return csvRows(file);
  const sheet = (await readExcelFile(file))[0];
  if (!sheet) throw new ParseError(file, {}, "the workbook has no sheet");
  return sheet.rows.map((r) => r.map((v) => (v === null ? "" : String(v))));
}

/**
 * Reads a box's synapse table (Excel or CSV). A missing column rejects the
 * whole table (thrown ParseError naming the column); a bad row only skips
 * that synapse (a finding naming the synapse and the field).
 */
export async function readSynapseTable(file: string, box: string): Promise<{ synapses: SynapseRecord[]; findings: Finding[] }> {
  const rows = await readRows(file);
  if (rows.length === 0)
    throw new ParseError(file, { line: 1 }, "the table is empty; expected a header row with " + TABLE_COLUMNS.join(", "));
  const header = rows[0]!.map((h) => h.trim());
  const missing = TABLE_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length > 0)
    throw new ParseError(
      file,
      { line: 1 },
      `missing column${missing.length > 1 ? "s" : ""} ${missing.join(", ")} (found: ${header.join(", ")})`,
    );
  const col = (name: string) => header.indexOf(name);
  const findings: Finding[] = [];
  const synapses: SynapseRecord[] = [];
  const seen = new Set<string>();
  for (let r = 1; r < rows.length; r++) {
    const cells = rows[r]!;
    const name = (cells[col("Var1")] ?? "").trim() || `row${r + 1}`;
    const point = (prefix: string): [number, number, number] | null => {
      const out: number[] = [];
      for (let k = 1; k <= 3; k++) {
        const field = `${prefix}_${k}`;
        const text = (cells[col(field)] ?? "").trim();
        const v = Number(text);
        if (text === "" || !Number.isFinite(v)) {
          findings.push({
            level: "error",
            box,
            synapse: name,
            field,
            message: `${path.basename(file)} row ${r + 1}: expected a number, found ${JSON.stringify(text)}; synapse skipped`,
          });
          return null;
        }
        out.push(Math.round(v));
      }
      return out as [number, number, number];
    };
    const centre = point("central_coord");
    const side1 = centre && point("side_1_coord");
    const side2 = side1 && point("side_2_coord");
    if (!centre || !side1 || !side2) continue;
    if (seen.has(name))
      findings.push({
        level: "warning",
        box,
        synapse: name,
        field: "Var1",
        message: `${path.basename(file)} row ${r + 1}: name used before in this table`,
      });
    seen.add(name);
    const extra: Record<string, string> = {};
    header.forEach((h, i) => {
      if (!(TABLE_COLUMNS as readonly string[]).includes(h) && h !== "") extra[h] = cells[i] ?? "";
    });
    synapses.push({ box, name, centre, side1, side2, extra, row: r + 1 });
  }
  return { synapses, findings };
}
