import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readTiff, readTiffFile, writeTiff, writeTiffFile } from "../../lib/io";
import type { TiffImage } from "../../lib/io";

// Files written by PIL/libtiff and by hand (see make_tiff_fixtures.py there).
const FIX = path.resolve(__dirname, "../fixtures/tiff");
const W = 40;
const H = 30;
const idx = Array.from({ length: W * H }, (_, i) => i);

function one(name: string): TiffImage {
  const pages = readTiffFile(path.join(FIX, name));
  assert.equal(pages.length, 1);
  const page = pages[0]!;
  assert.equal(page.width, W);
  assert.equal(page.height, H);
  return page;
}

test("8-bit slices in every compression PIL writes decode to the same pixels", () => {
  const want = idx.map((i) => i % 251);
  for (const name of ["u8_none.tif", "u8_packbits.tif", "u8_lzw_predictor.tif", "u8_deflate.tif"]) {
    const img = one(name);
    assert.ok(img.data instanceof Uint8Array, name);
    assert.deepEqual(Array.from(img.data), want, name);
  }
});

test("16-bit slices: Adobe Deflate with horizontal predictor, LZW, big endian", () => {
  const want = idx.map((i) => (i * 37) & 0xffff);
  for (const name of ["u16_adobe_deflate_predictor.tif", "u16_lzw.tif", "u16_big_endian.tif"]) {
    const img = one(name);
    assert.ok(img.data instanceof Uint16Array, name);
    assert.equal(img.bitsPerSample, 16);
    assert.deepEqual(Array.from(img.data), want, name);
  }
});

test("32-bit float slices, LZW and Deflate with the floating-point predictor", () => {
  for (const name of ["f32_lzw.tif", "f32_deflate_predictor3.tif"]) {
    const img = one(name);
    assert.equal(img.sampleFormat, "float");
    assert.ok(img.data instanceof Float32Array);
    for (const i of [0, 1, 39, 40, 777, W * H - 1]) {
      const want = Math.fround(-1 + (2 * i) / (W * H - 1));
      assert.ok(Math.abs(img.data[i]! - want) < 1e-6, `${name}[${i}] = ${img.data[i]}, expected ${want}`);
    }
  }
});

test("tiles: big-endian signed 16-bit, and BigTIFF with Deflate", () => {
  const i16 = one("i16_tiles_big_endian.tif");
  assert.ok(i16.data instanceof Int16Array);
  assert.deepEqual(
    Array.from(i16.data),
    idx.map((i) => i - 600),
  );
  const big = one("u16_tiles_deflate_bigtiff.tif");
  assert.deepEqual(
    Array.from(big.data),
    idx.map((i) => (i * 37) & 0xffff),
  );
});

test("1-bit masks and multi-page stacks", () => {
  const mask = one("bool_1bit.tif");
  assert.deepEqual(
    Array.from(mask.data),
    idx.map((i) => (i % 251 > 100 ? 1 : 0)),
  );
  const pages = readTiffFile(path.join(FIX, "u8_three_pages.tif"));
  assert.equal(pages.length, 3);
  pages.forEach((p, k) =>
    assert.deepEqual(
      Array.from(p.data),
      idx.map((i) => (i + 7 * k) % 251),
    ),
  );
});

test("bad files are rejected with the file name and what is wrong", () => {
  assert.throws(() => readTiffFile(path.join(FIX, "not_a_tiff.tif")), /not_a_tiff\.tif@0: not a TIFF file: expected "II" or "MM"/);
  assert.throws(
    () => readTiffFile(path.join(FIX, "truncated.tif")),
    /truncated\.tif@\d+: .*needs \d+ bytes at offset \d+ but the file has 200/,
  );
  assert.throws(() => readTiffFile(path.join(FIX, "missing.tif")), /missing\.tif: cannot read file/);
});

test("writer round trip for every pixel type and compression, several pages", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tiff-"));
  const pixels = [
    Uint8Array.from(idx, (i) => i % 7),
    Uint16Array.from(idx, (i) => i * 50),
    Uint32Array.from(idx, (i) => i * 100000),
    Int16Array.from(idx, (i) => i - 500),
    Float32Array.from(idx, (i) => i / 3),
  ];
  for (const compression of ["none", "deflate", "packbits"] as const) {
    const images = pixels.map((data) => ({
      width: W,
      height: H,
      bitsPerSample: data.BYTES_PER_ELEMENT * 8,
      sampleFormat: "uint" as const,
      data,
    }));
    const file = path.join(dir, `${compression}.tif`);
    writeTiffFile(file, images, { compression });
    const back = readTiffFile(file);
    assert.equal(back.length, pixels.length);
    back.forEach((p, k) => {
      assert.equal(p.data.constructor, pixels[k]!.constructor, `${compression} page ${k}`);
      assert.deepEqual(Array.from(p.data), Array.from(pixels[k]!), `${compression} page ${k}`);
    });
  }
  assert.throws(
    () => writeTiff({ width: 3, height: 3, bitsPerSample: 8, sampleFormat: "uint", data: new Uint8Array(8) }),
    /needs 9 pixels, found 8/,
  );
  assert.equal(readTiff(writeTiff({ width: 1, height: 1, bitsPerSample: 8, sampleFormat: "uint", data: Uint8Array.of(9) }))[0]!.data[0], 9);
});
