"use strict";
/**
 * danfojs-node depends on SheetJS xlsx for its readExcel and toExcel. The
 * last xlsx release on the npm registry (0.18.5) has open advisories
 * (CVE-2023-30533, prototype pollution when reading a crafted file, and
 * CVE-2024-22363, a regular-expression denial of service), and the workbench
 * reads and writes Excel without danfojs (lib/io/excel.ts). This package is
 * installed in its place through package.json's overrides, so danfojs loads
 * and works for CSV and DataFrames, and an Excel call says what happened.
 */
const MESSAGE =
  "danfojs's Excel functions (readExcel, toExcel) are not available in the workbench: the xlsx release they need " +
  "(0.18.5, the last on the npm registry) has open advisories (CVE-2023-30533, CVE-2024-22363). Read Excel tables with " +
  "readTableFile and write them with writeXlsx from the workbench's lib/io.";

class XlsxUnavailableError extends Error {
  constructor(name) {
    super(`${MESSAGE} (called: xlsx.${name})`);
    this.name = "XlsxUnavailableError";
  }
}

function unavailable(name) {
  return function () {
    throw new XlsxUnavailableError(name);
  };
}

module.exports = {
  XlsxUnavailableError,
  read: unavailable("read"),
  readFile: unavailable("readFile"),
  write: unavailable("write"),
  writeFile: unavailable("writeFile"),
  utils: {
    sheet_to_json: unavailable("utils.sheet_to_json"),
    json_to_sheet: unavailable("utils.json_to_sheet"),
    aoa_to_sheet: unavailable("utils.aoa_to_sheet"),
    book_new: unavailable("utils.book_new"),
    book_append_sheet: unavailable("utils.book_append_sheet"),
  },
};
