import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ParseError } from "../../lib/core";
import { readTableFile, tableColumn, parseCsv, formatCsv, writeXlsx } from "../../lib/io";

const LABELS = path.resolve(__dirname, "../fixtures/swc/real-sample/labels.csv");
const FIX = path.resolve(__dirname, "../fixtures/io");

test("a CSV label table reads through danfojs", async () => {
  const t = await readTableFile(LABELS);
  assert.deepEqual(t.columns, ["file", "family"]);
  assert.equal(t.rows.length, 12);
  assert.deepEqual(t.rows[0], { file: "LLC7B-1.CNG.swc", family: "Aneuron_nmo" });
  assert.equal(new Set(tableColumn(t, "family")).size, 4);
  assert.throws(() => tableColumn(t, "layer"), /labels.csv: no column "layer"; the columns are "file", "family"/);
});

test("an Excel sheet reads by name or index, numbers stay numbers", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "table-"));
  const file = path.join(dir, "bbox1.xlsx");
  fs.writeFileSync(
    file,
    writeXlsx([
      { name: "notes", rows: [["other"], [1]] },
      {
        name: "synapses",
        rows: [
          ["Var1", "central_coord_1", "central_coord_2"],
          ["syn_a", 10, 20.5],
          ["syn_b", 11, 21],
        ],
      },
    ]),
  );
  const t = await readTableFile(file, { sheet: "synapses" });
  assert.deepEqual(t.columns, ["Var1", "central_coord_1", "central_coord_2"]);
  assert.deepEqual(t.rows[0], { Var1: "syn_a", central_coord_1: 10, central_coord_2: 20.5 });
  assert.deepEqual((await readTableFile(file, { sheet: 1 })).rows.length, 2);
  assert.deepEqual((await readTableFile(file)).columns, ["other"]);
  await assert.rejects(readTableFile(file, { sheet: "bbox9" }), /no sheet "bbox9"; the workbook has "notes", "synapses"/);
});

test("the strict CSV reader handles quotes and names ragged rows", () => {
  const t = parseCsv(fs.readFileSync(path.join(FIX, "quoted_fields.csv"), "utf8"));
  assert.deepEqual(t.columns, ["id", "layer", "note"]);
  assert.deepEqual(t.rows, [
    ["1", "L2/3", "has, comma"],
    ["2", "L4", 'say "hi"'],
  ]);
  const ragged = path.join(FIX, "ragged_row.csv");
  assert.throws(
    () => parseCsv(fs.readFileSync(ragged, "utf8"), ragged),
    (e: unknown) => e instanceof ParseError && e.message === `${ragged}:3: expected 2 fields (id,layer), found 3`,
  );
  assert.throws(() => parseCsv('a\n"open', "q.csv"), /q.csv:2: a quoted field is not closed/);
});

test("formatCsv output parses back to the same cells", () => {
  const rows = [{ id: "864691135012345678", note: 'a "b", c\nd', depth: 312.5, empty: null }];
  const text = formatCsv(["id", "note", "depth", "empty"], rows);
  assert.deepEqual(parseCsv(text).rows, [["864691135012345678", 'a "b", c\nd', "312.5", ""]]);
  assert.deepEqual(parseCsv("x,y\r\n1,2\r\n").rows, [["1", "2"]]);
});
