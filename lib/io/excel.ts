import * as fs from "node:fs";
import { MissingDependencyError, ParseError, WorkbenchError } from "../core";
import { readZip, writeZip } from "./zip";

/**
 * Excel workbooks (.xlsx, as Excel, LibreOffice and openpyxl write them).
 * Reading goes through read-excel-file (see docs/libraries.md for why), but
 * only after the workbench's own zip reader has checked the archive: every
 * member's size is capped by what its compressed bytes can hold and its CRC
 * verified, and the library is handed a clean copy of exactly those members,
 * so a damaged or hostile archive cannot make it inflate without bound.
 *
 * Cells come back as numbers, strings, booleans or null; date cells as ISO
 * text ("2024-03-15", or "2024-03-15T14:30:00" when they carry a time), since
 * Excel dates have no time zone. Legacy .xls (BIFF) workbooks are refused
 * with the command that converts them.
 */
export type ExcelCell = string | number | boolean | null;

/** One sheet: its name and its rows, the first row as written (usually the header). */
export interface ExcelSheet {
  name: string;
  rows: ExcelCell[][];
}

type ReadExcelFile = (input: Buffer, options?: { trim?: boolean }) => Promise<Array<{ sheet: string; data: unknown[][] }>>;

function library(): ReadExcelFile {
  try {
    return (require("read-excel-file/node") as { default: ReadExcelFile }).default;
  } catch (e) {
    throw new MissingDependencyError("reading Excel files needs read-excel-file: run `npm install` in the workbench folder", { cause: e });
  }
}

const OLE_MAGIC = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

/** Excel stores dates as day numbers; read-excel-file turns them into UTC Dates, a millisecond off at times. */
function dateText(d: Date): string {
  let t = d.getTime();
  const second = Math.round(t / 1000) * 1000;
  if (Math.abs(t - second) <= 1) t = second;
  const iso = new Date(t).toISOString();
  if (iso.endsWith("T00:00:00.000Z")) return iso.slice(0, 10);
  return iso.replace(/\.000Z$/, "").replace(/Z$/, "");
}

function cell(v: unknown): ExcelCell {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : dateText(v);
  if (typeof v === "number" || typeof v === "string" || typeof v === "boolean") return v;
  // read-excel-file gives none but the types above; anything else shows as JSON, not "[object Object]".
  return JSON.stringify(v);
}

/** Column letters ("A", "AB") as a 1-based number. */
function columnNumber(letters: string): number {
  let n = 0;
  for (const ch of letters) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n;
}

/**
 * The library lays each sheet out as a dense grid up to the farthest cell
 * reference, so one damaged reference ("XFD1048576") would ask for billions
 * of cells. A sheet whose grid is far larger than its XML could describe is
 * refused first.
 */
function checkSheetExtent(xml: Uint8Array, name: string, file: string): void {
  const text = Buffer.from(xml.buffer, xml.byteOffset, xml.byteLength).toString("latin1");
  let rows = 0;
  let cols = 0;
  for (const m of text.matchAll(/\s(?:r|ref)="([^"]*)"/g)) {
    for (const part of m[1]!.split(":")) {
      const ref = /^\$?([A-Za-z]*)\$?(.*)$/s.exec(part)!;
      const row = ref[2] === "" ? 0 : Number(ref[2]);
      // A reference that is not a plain row number ("1e308") is read by the library as one anyway.
      rows = Math.max(rows, Number.isSafeInteger(row) ? row : Infinity);
      cols = Math.max(cols, ref[1]!.length > 3 ? Infinity : columnNumber(ref[1]!.toUpperCase()));
    }
  }
  const cells = rows * Math.max(1, cols);
  if (cells > 64 * xml.length + 1_000_000) {
    throw new ParseError(
      file,
      {},
      `member ${JSON.stringify(name)}: cell references reach row ${rows}, column ${cols}, a grid of ${cells} cells that ${xml.length} bytes of sheet cannot describe`,
    );
  }
}

/**
 * Checks the archive with the workbench's zip reader and returns a stored
 * (uncompressed) copy of its members: what the library will read is then
 * exactly what was checked.
 */
function checkedArchive(bytes: Uint8Array, file: string): Buffer {
  const zip = readZip(bytes, file);
  if (!zip.has("xl/workbook.xml")) {
    throw new ParseError(
      file,
      {},
      `not an Excel workbook: the archive has no xl/workbook.xml (it has ${zip.entries
        .slice(0, 5)
        .map((e) => e.name)
        .join(", ")})`,
    );
  }
  const members = zip.entries.filter((e) => !e.name.endsWith("/")).map((e) => ({ name: e.name, data: zip.read(e.name) }));
  for (const m of members) if (m.name.startsWith("xl/worksheets/")) checkSheetExtent(m.data, m.name, file);
  return Buffer.from(writeZip(members));
}

/** Every sheet of an .xlsx workbook held in memory; `file` names it in errors. */
export async function readExcel(bytes: Uint8Array, file = "<xlsx>"): Promise<ExcelSheet[]> {
  if (OLE_MAGIC.every((b, i) => bytes[i] === b)) {
    throw new ParseError(
      file,
      { byteOffset: 0 },
      "this is a legacy .xls (BIFF) workbook, which the workbench does not read; convert it to .xlsx, e.g. `soffice --headless --convert-to xlsx file.xls`, or save it as .xlsx from Excel",
    );
  }
  const archive = checkedArchive(bytes, file);
  let sheets: Array<{ sheet: string; data: unknown[][] }>;
  try {
    sheets = await library()(archive, { trim: false });
  } catch (e) {
    if (e instanceof WorkbenchError) throw e;
    throw new ParseError(file, {}, `could not read as an Excel workbook (${(e as Error).message})`, { cause: e });
  }
  return sheets.map((s) => {
    if (!Array.isArray(s.data) || !s.data.every((r) => Array.isArray(r)))
      throw new ParseError(file, {}, `sheet ${JSON.stringify(s.sheet)} could not be read as rows of cells`);
    return { name: s.sheet, rows: s.data.map((r) => r.map(cell)) };
  });
}

/** Every sheet of an .xlsx file. */
export async function readExcelFile(file: string): Promise<ExcelSheet[]> {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new ParseError(file, {}, `cannot read file (${(e as Error).message})`, { cause: e });
  }
  return readExcel(bytes, file);
}

function escapeXml(s: string, what: string): string {
  // XML 1.0 cannot carry most control characters at all, escaped or not.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/.test(s))
    throw new WorkbenchError(`writeXlsx: ${what} holds a control character that an .xlsx file cannot store`);
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** "A", "B", …, "Z", "AA", … for 0-based column numbers. */
function columnName(c: number): string {
  let s = "";
  for (let n = c + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

function sheetXml(sheet: ExcelSheet): string {
  const rows = sheet.rows.map((row, r) => {
    const cells = row.map((v, c) => {
      const ref = `${columnName(c)}${r + 1}`;
      if (v === null) return "";
      if (typeof v === "number") {
        if (!Number.isFinite(v)) throw new WorkbenchError(`writeXlsx: sheet "${sheet.name}" cell ${ref} is ${v}, which Excel cannot store`);
        return `<c r="${ref}"><v>${v}</v></c>`;
      }
      if (typeof v === "boolean") return `<c r="${ref}" t="b"><v>${v ? 1 : 0}</v></c>`;
      return `<c r="${ref}" t="inlineStr"><is><t xml:space="preserve">${escapeXml(v, `sheet "${sheet.name}" cell ${ref}`)}</t></is></c>`;
    });
    return `<row r="${r + 1}">${cells.join("")}</row>`;
  });
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${rows.join("")}</sheetData></worksheet>`;
}

/**
 * A minimal .xlsx workbook (Excel, LibreOffice, pandas and this reader open
 * it): one worksheet per sheet, strings inline, no styles beyond the default.
 */
export function writeXlsx(sheets: ExcelSheet[]): Uint8Array {
  if (sheets.length === 0) throw new WorkbenchError("writeXlsx: a workbook needs at least one sheet");
  const names = new Set<string>();
  for (const s of sheets) {
    if (!/^[^[\]:*?/\\]{1,31}$/.test(s.name) || names.has(s.name.toLowerCase())) {
      throw new WorkbenchError(`writeXlsx: sheet name ${JSON.stringify(s.name)} must be 1-31 characters without []:*?/\\ and unique`);
    }
    names.add(s.name.toLowerCase());
  }
  const text = (name: string, xml: string) => ({ name, data: new TextEncoder().encode(xml) });
  const head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
  const rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
  return writeZip(
    [
      text(
        "[Content_Types].xml",
        `${head}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>${sheets
          .map(
            (_, i) =>
              `<Override PartName="/xl/worksheets/sheet${i + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`,
          )
          .join("")}</Types>`,
      ),
      text(
        "_rels/.rels",
        `${head}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
      ),
      text(
        "xl/workbook.xml",
        `${head}<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="${rel}"><sheets>${sheets
          .map((s, i) => `<sheet name="${escapeXml(s.name, "a sheet name")}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`)
          .join("")}</sheets></workbook>`,
      ),
      text(
        "xl/_rels/workbook.xml.rels",
        `${head}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${sheets
          .map((_, i) => `<Relationship Id="rId${i + 1}" Type="${rel}/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`)
          .join("")}<Relationship Id="rId${sheets.length + 1}" Type="${rel}/styles" Target="styles.xml"/></Relationships>`,
      ),
      text(
        "xl/styles.xml",
        `${head}<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs></styleSheet>`,
      ),
      ...sheets.map((s, i) => text(`xl/worksheets/sheet${i + 1}.xml`, sheetXml(s))),
    ],
    { compress: true },
  );
}
