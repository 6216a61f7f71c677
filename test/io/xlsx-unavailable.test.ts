import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { readTableFile, tableToDataFrame } from "../../lib/io";

const ROOT = path.resolve(__dirname, "../..");

test("no xlsx release is installed: danfojs-node's xlsx is the local stand-in", () => {
  const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as {
    packages: Record<string, { resolved?: string; link?: boolean; version?: string }>;
  };
  const xlsx = Object.entries(lock.packages).filter(([k]) => k === "node_modules/xlsx" || k.endsWith("/node_modules/xlsx"));
  assert.ok(xlsx.length > 0, "danfojs-node still depends on an xlsx");
  for (const [k, v] of xlsx) assert.deepEqual([k, v.resolved, v.link], [k, "vendor/xlsx-unavailable", true]);
  const danfoXlsx = require.resolve("xlsx", { paths: [path.dirname(require.resolve("danfojs-node/package.json"))] });
  assert.equal(fs.realpathSync(danfoXlsx), path.join(ROOT, "vendor/xlsx-unavailable/index.js"));
});

test("danfojs-node still loads and makes DataFrames; its Excel functions say why they are gone", async () => {
  const t = await readTableFile(path.join(ROOT, "test/fixtures/swc/real-sample/labels.csv"));
  const frame = (await tableToDataFrame(t)) as { shape: number[]; columns: string[] };
  assert.deepEqual(frame.shape, [12, 2]);
  assert.deepEqual(frame.columns, ["file", "family"]);
  // danfo calls xlsx inside a file-read callback, so the error surfaces as the process's uncaught exception.
  const run = spawnSync(
    process.execPath,
    ["-e", `require("danfojs-node").readExcel(${JSON.stringify(path.join(ROOT, "test/fixtures/excel/openpyxl_tables.xlsx"))})`],
    { cwd: ROOT, encoding: "utf8" },
  );
  assert.notEqual(run.status, 0);
  assert.match(
    run.stderr,
    /XlsxUnavailableError: danfojs's Excel functions \(readExcel, toExcel\) are not available in the workbench: .*CVE-2023-30533, CVE-2024-22363.*readTableFile.*\(called: xlsx\.readFile\)/,
  );
});
