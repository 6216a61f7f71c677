import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ParseError } from "../../lib/core";
import { readExcel, readExcelFile, readTableFile, writeXlsx } from "../../lib/io";

// One workbook written by openpyxl and re-saved by LibreOffice (make_excel_fixtures.py).
const FIX = path.resolve(__dirname, "../fixtures/excel");
const HEADER = ["Var1", "central_coord_1", "central_coord_2", "central_coord_3", "seen", "checked_at", "note", "ok", "twice"];

for (const [name, formulas] of [
  ["openpyxl_tables.xlsx", false],
  ["libreoffice_tables.xlsx", true],
] as const) {
  test(`${name}: dates, empty cells, text, booleans and several sheets read as written`, async () => {
    const sheets = await readExcelFile(path.join(FIX, name));
    assert.deepEqual(
      sheets.map((s) => s.name),
      ["synapses", "notes", "empty"],
    );
    const t = await readTableFile(path.join(FIX, name));
    assert.deepEqual(t.columns, HEADER);
    assert.equal(t.rows.length, 3);
    // openpyxl stores formulas without a cached value; LibreOffice computes and stores it.
    assert.deepEqual(t.rows[0], {
      Var1: "syn1",
      central_coord_1: 10,
      central_coord_2: 20.5,
      central_coord_3: 3,
      seen: "2024-03-15",
      checked_at: "2024-03-15T14:30:00",
      note: 'has, comma "and quote"',
      ok: true,
      twice: formulas ? 20 : null,
    });
    assert.deepEqual(t.rows[1], {
      Var1: "syn2",
      central_coord_1: 11,
      central_coord_2: null,
      central_coord_3: 4,
      seen: "1999-12-31",
      checked_at: null,
      note: null,
      ok: false,
      twice: formulas ? 22 : null,
    });
    assert.deepEqual(t.rows[2], {
      Var1: "syn3",
      central_coord_1: -1.25,
      central_coord_2: 0,
      central_coord_3: 5,
      seen: null,
      checked_at: null,
      note: null,
      ok: null,
      twice: null,
    });
    const notes = await readTableFile(path.join(FIX, name), { sheet: "notes" });
    assert.deepEqual(notes.rows, [
      { box: "bbox1", comment: "first box" },
      { box: 2, comment: null },
      { box: null, comment: "after an empty cell" },
    ]);
    assert.deepEqual((await readTableFile(path.join(FIX, name), { sheet: 2 })).rows, []);
  });
}

test("a legacy .xls workbook is refused with the command that converts it", async () => {
  const file = path.join(FIX, "libreoffice_tables.xls");
  await assert.rejects(
    readTableFile(file),
    (e: unknown) =>
      e instanceof ParseError &&
      /libreoffice_tables\.xls@0: this is a legacy \.xls \(BIFF\) workbook.*soffice --headless --convert-to xlsx/.test(e.message),
  );
});

test("writeXlsx round-trips through the reader, and refuses what .xlsx cannot hold", async () => {
  const rows = [
    ["id", "x", "flag", "note"],
    ["864691135012345678", 1.5, true, 'a <b> & "c"'],
    ["2", -3, false, null],
  ];
  const back = await readExcel(
    writeXlsx([
      { name: "a", rows },
      { name: "b", rows: [["only"]] },
    ]),
    "round.xlsx",
  );
  assert.deepEqual(back, [
    { name: "a", rows },
    { name: "b", rows: [["only"]] },
  ]);
  assert.throws(() => writeXlsx([{ name: "bad/name", rows: [] }]), /sheet name "bad\/name" must be 1-31 characters/);
  assert.throws(() => writeXlsx([{ name: "a", rows: [["\u0001"]] }]), /sheet "a" cell A1 holds a control character/);
  assert.throws(() => writeXlsx([{ name: "a", rows: [[Number.NaN]] }]), /cell A1 is NaN/);
});

test("a damaged or lying archive is refused by the zip layer before the Excel library sees it", async () => {
  const bytes = new Uint8Array(fs.readFileSync(path.join(FIX, "libreoffice_tables.xlsx")));
  await assert.rejects(
    readExcel(bytes.subarray(0, 4000), "cut.xlsx"),
    (e: unknown) => e instanceof ParseError && /^cut\.xlsx@\d+: not a zip archive/.test(e.message),
  );
  const flipped = bytes.slice();
  flipped[200] = flipped[200]! ^ 0xff;
  await assert.rejects(
    readExcel(flipped, "flipped.xlsx"),
    (e: unknown) => e instanceof ParseError && /^flipped\.xlsx@\d+: member .*(CRC-32 mismatch|corrupt deflate)/.test(e.message),
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "excel-"));
  const notExcel = path.join(dir, "plain.xlsx");
  fs.writeFileSync(notExcel, writeXlsx([{ name: "a", rows: [[1]] }]).subarray(0, 0));
  await assert.rejects(readExcelFile(notExcel), /plain\.xlsx@0: not a zip archive/);
});
