/**
 * Mutants the fuzzer found escaping a reader, kept as fixtures named for the
 * defect (test/fixtures/fuzz/). Each must now be refused with a ParseError
 * that names the file and says what is wrong.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ParseError } from "../../lib/core";
import { readExcel, readNifti, readNpy, readPly, readTiff, readTiffFile } from "../../lib/io";
import { decodeGrid } from "../../lib/dataset";

const FIX = path.resolve(__dirname, "../fixtures/fuzz");

const CASES: Array<{ file: string; read: (file: string, bytes: Uint8Array) => unknown; message: RegExp }> = [
  {
    file: "cache_corrupt_deflate.nvx",
    read: (f, b) => decodeGrid(b, 16, f),
    message: /payload should inflate to 512 bytes, found corrupt/,
  },
  {
    file: "cache_payload_inflates_short.nvx",
    read: (f, b) => decodeGrid(b, 16, f),
    message: /payload should inflate to 512 bytes, found 424 bytes/,
  },
  { file: "nifti_gzip_truncated_lying_size.nii.gz", read: (f, b) => readNifti(b, f), message: /gzip data could not be decompressed/ },
  { file: "nifti_header_truncated.nii", read: (f, b) => readNifti(b, f), message: /NIfTI header could not be read|image needs/ },
  { file: "nifti_header_size_not_348.nii", read: (f, b) => readNifti(b, f), message: /NIfTI header could not be read/ },
  { file: "npy_v2_header_length_truncated.npy", read: (f, b) => readNpy(b, f), message: /too short for a version 2 header length/ },
  { file: "npy_unicode_not_a_code_point.npy", read: (f, b) => readNpy(b, f), message: /not a Unicode code point/ },
  { file: "ply_vertex_count_beyond_file.ply", read: (f, b) => readPly(b, f), message: /element "vertex" declares 4294967296 rows/ },
  { file: "tiff_page_size_beyond_file.tif", read: (f) => readTiffFile(f), message: /page 0: 1 strips for 16384 needed/ },
  {
    file: "tiff_strip_count_cannot_hold_page.tif",
    read: (f, b) => readTiff(b, f),
    message: /strip 0 stores 11 bytes of Deflate data, which cannot decode to the 1600000000 bytes/,
  },
  { file: "tiff_fractional_strip_offset.tif", read: (f) => readTiffFile(f), message: /strip 0 of page 0 needs 16 bytes at offset 8\.5/ },
  {
    file: "excel_cell_reference_beyond_sheet.xlsx",
    read: (f, b) => readExcel(b, f),
    message: /cell references reach row 99999999999, column 1/,
  },
];

for (const c of CASES) {
  test(`fuzz regression ${c.file} is refused with a ParseError naming it`, async () => {
    const file = path.join(FIX, c.file);
    const peak = process.resourceUsage().maxRSS * 1024;
    const buffers = process.memoryUsage().arrayBuffers;
    await assert.rejects(
      async () => {
        await c.read(file, new Uint8Array(fs.readFileSync(file)));
      },
      (e: unknown) => {
        assert.ok(e instanceof ParseError, `${c.file}: ${(e as Error).name}: ${(e as Error).message}`);
        assert.ok(e.message.startsWith(file), e.message);
        assert.match(e.message, c.message);
        return true;
      },
    );
    // Several of these once asked for gigabytes: a refusal must come before the allocation.
    const grew = Math.max(process.resourceUsage().maxRSS * 1024 - peak, process.memoryUsage().arrayBuffers - buffers);
    assert.ok(grew < 256 * 2 ** 20, `${c.file} took ${(grew / 2 ** 20).toFixed(0)} MiB`);
  });
}

test("every fuzz regression fixture has a case", () => {
  const fixtures = fs.readdirSync(FIX).filter((f) => !f.startsWith("make_"));
  assert.deepEqual(fixtures.sort(), CASES.map((c) => c.file).sort());
});
