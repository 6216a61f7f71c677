import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { resetWarnings, setWarningSink } from "../../lib/core";
import { openTiff, readTiffFile, readTiffWindow, writeTiff } from "../../lib/io";

// Written by tifffile (make_microscopy_fixtures.py): value(c, z, y, x) = 1000 c + 100 z + (40 y + x) % 100.
const FIX = path.resolve(__dirname, "../fixtures/tiff");
const W = 40;
const H = 30;
const value = (c: number, z: number, y: number, x: number) => 1000 * c + 100 * z + ((40 * y + x) % 100);

function expectWindow(data: ArrayLike<number>, c: number, zs: number[], ys: [number, number], xs: [number, number], what: string): void {
  let i = 0;
  for (const z of zs) {
    for (let y = ys[0]; y < ys[1]; y++) {
      for (let x = xs[0]; x < xs[1]; x++, i++) {
        if (data[i] !== value(c, z, y, x))
          assert.fail(`${what}: (c ${c}, z ${z}, y ${y}, x ${x}) is ${data[i]}, expected ${value(c, z, y, x)}`);
      }
    }
  }
  assert.equal(i, data.length, what);
}

test("an ImageJ hyperstack reads as channels × slices with its voxel size, by window", () => {
  const stack = openTiff(path.join(FIX, "imagej_hyperstack_z3_c2.tif"));
  try {
    assert.deepEqual([stack.pages, stack.channels, stack.slices, stack.frames], [6, 2, 3, 1]);
    assert.deepEqual([stack.width, stack.height, stack.bitsPerSample, stack.sampleFormat], [W, H, 16, "uint"]);
    assert.deepEqual(stack.spacing, { x: 0.2, y: 0.25, z: 0.5, unit: "µm", source: "imagej" });
    const all = stack.read();
    assert.deepEqual([all.width, all.height, all.depth], [W, H, 3]);
    expectWindow(all.data, 0, [0, 1, 2], [0, H], [0, W], "channel 0");
    const box = stack.read({ channel: 1, z: [1, 3], y: [5, 17], x: [30, 40] });
    assert.deepEqual([box.width, box.height, box.depth], [10, 12, 2]);
    expectWindow(box.data, 1, [1, 2], [5, 17], [30, 40], "channel 1 box");
    assert.throws(() => stack.read({ channel: 2 }), /imagej_hyperstack_z3_c2\.tif: channel window \[2, 3\) is not inside \[0, 2\)/);
    assert.throws(() => stack.read({ z: [2, 4] }), /z window \[2, 4\) is not inside \[0, 3\)/);
  } finally {
    stack.close();
  }
});

test("an OME-TIFF gives its slices and physical sizes", () => {
  const stack = openTiff(path.join(FIX, "ome_z4.ome.tif"));
  try {
    assert.deepEqual([stack.channels, stack.slices, stack.frames], [1, 4, 1]);
    assert.deepEqual(stack.spacing, { x: 0.1, y: 0.1, z: 0.3, unit: "µm", source: "ome" });
    expectWindow(stack.read({ z: [3, 4] }).data, 0, [3], [0, H], [0, W], "slice 3");
  } finally {
    stack.close();
  }
});

test("reduced-resolution pages are skipped with a finding, not stacked as slices", () => {
  const file = path.join(FIX, "pages_with_thumbnails.tif");
  const stack = openTiff(file);
  try {
    assert.equal(stack.pages, 2);
    assert.deepEqual(
      stack.findings.map((f) => f.kind),
      ["reduced-resolution"],
    );
    assert.match(stack.findings[0]!.message, /2 reduced-resolution pages \(thumbnails or pyramid levels, NewSubfileType bit 0\) skipped/);
  } finally {
    stack.close();
  }
  const warnings: string[] = [];
  resetWarnings();
  setWarningSink((m) => warnings.push(m));
  try {
    const pages = readTiffFile(file);
    assert.deepEqual(
      pages.map((p) => [p.width, p.height]),
      [
        [W, H],
        [W, H],
      ],
    );
    pages.forEach((p, z) => expectWindow(p.data, 0, [z], [0, H], [0, W], `page ${z}`));
    assert.equal(warnings.length, 1);
  } finally {
    setWarningSink((m) => console.warn(`warning: ${m}`));
    resetWarnings();
  }
});

test("an ImageJ stack with only its first directory reads every image the description counts", () => {
  const stack = openTiff(path.join(FIX, "imagej_first_directory_only.tif"));
  try {
    assert.equal(stack.slices, 3);
    expectWindow(stack.read().data, 0, [0, 1, 2], [0, H], [0, W], "contiguous stack");
  } finally {
    stack.close();
  }
});

test("a window decodes only the pages it needs: damaged pages outside it are never read", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tiff-window-"));
  const pages = Array.from({ length: 6 }, (_, z) => ({
    width: W,
    height: H,
    bitsPerSample: 8,
    sampleFormat: "uint" as const,
    data: Uint8Array.from({ length: W * H }, (_, i) => (i + z) % 256),
  }));
  const bytes = Buffer.from(writeTiff(pages, { compression: "deflate" }));
  // Overwrite the Deflate data of page 4 with garbage: reading it must fail, reading around it must not.
  const file = path.join(dir, "damaged_page_4.tif");
  const at4 = bytes.indexOf(zlib.deflateSync(pages[4]!.data));
  assert.ok(at4 > 0);
  const damaged = bytes.subarray();
  damaged.fill(0xff, at4, at4 + 12);
  fs.writeFileSync(file, damaged);
  try {
    const box = readTiffWindow(file, { z: [1, 4], y: [3, 9], x: [2, 7] });
    assert.equal(box.depth, 3);
    assert.equal(box.data[0], (3 * W + 2 + 1) % 256);
    assert.throws(() => readTiffWindow(file, { z: [3, 5] }), /damaged_page_4\.tif@\d+: Deflate data could not be inflated/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * A BigTIFF of 40 pages of 8192 x 8192 uint8 (2.5 GiB), written sparse: only
 * the strips the test reads hold data, the rest are holes that cost no disk.
 */
function writeSparseBigTiff(
  file: string,
  pages: number,
  side: number,
  rowsPerStrip: number,
  written: (z: number, strip: number) => boolean,
  pixel: (z: number, y: number, x: number) => number,
): void {
  const stripBytes = rowsPerStrip * side;
  const strips = side / rowsPerStrip;
  const pageBytes = side * side;
  const dataStart = 16;
  const ifdStart = dataStart + pages * pageBytes;
  const fd = fs.openSync(file, "w");
  try {
    const header = Buffer.alloc(16);
    header.write("II", 0, "latin1");
    header.writeUInt16LE(43, 2);
    header.writeUInt16LE(8, 4);
    header.writeBigUInt64LE(BigInt(ifdStart), 8);
    fs.writeSync(fd, header, 0, 16, 0);
    const strip = Buffer.alloc(stripBytes);
    for (let z = 0; z < pages; z++) {
      for (let s = 0; s < strips; s++) {
        if (!written(z, s)) continue;
        for (let r = 0; r < rowsPerStrip; r++) for (let x = 0; x < side; x++) strip[r * side + x] = pixel(z, s * rowsPerStrip + r, x);
        fs.writeSync(fd, strip, 0, stripBytes, dataStart + z * pageBytes + s * stripBytes);
      }
    }
    // Each directory: 8 entries of 20 bytes, then the strip offsets (LONG8) and byte counts (LONG8).
    const entries = 8;
    const ifdBytes = 8 + entries * 20 + 8;
    const block = ifdBytes + strips * 16;
    for (let z = 0; z < pages; z++) {
      const at = ifdStart + z * block;
      const b = Buffer.alloc(block);
      b.writeBigUInt64LE(BigInt(entries), 0);
      const entry = (k: number, tag: number, type: number, count: number, value: number) => {
        const e = 8 + k * 20;
        b.writeUInt16LE(tag, e);
        b.writeUInt16LE(type, e + 2);
        b.writeBigUInt64LE(BigInt(count), e + 4);
        b.writeBigUInt64LE(BigInt(value), e + 12);
      };
      entry(0, 256, 4, 1, side);
      entry(1, 257, 4, 1, side);
      entry(2, 258, 3, 1, 8);
      entry(3, 259, 3, 1, 1);
      entry(4, 262, 3, 1, 1);
      entry(5, 273, 16, strips, at + ifdBytes);
      entry(6, 278, 4, 1, rowsPerStrip);
      entry(7, 279, 16, strips, at + ifdBytes + strips * 8);
      b.writeBigUInt64LE(BigInt(z + 1 < pages ? at + block : 0), 8 + entries * 20);
      for (let s = 0; s < strips; s++) {
        b.writeBigUInt64LE(BigInt(dataStart + z * pageBytes + s * stripBytes), ifdBytes + s * 8);
        b.writeBigUInt64LE(BigInt(stripBytes), ifdBytes + strips * 8 + s * 8);
      }
      fs.writeSync(fd, b, 0, block, at);
    }
  } finally {
    fs.closeSync(fd);
  }
}

test("a sparse BigTIFF beyond 2 GiB reads slice-windowed, decoding only the strips of the window", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bigtiff-"));
  const file = path.join(dir, "volume_2_5GiB.tif");
  const side = 8192;
  const rows = 64;
  const pixel = (z: number, y: number, x: number) => (z * 7 + y * 3 + x) & 0xff;
  const zs = [36, 37, 38];
  const ys: [number, number] = [4100, 4180];
  try {
    writeSparseBigTiff(
      file,
      40,
      side,
      rows,
      (z, s) => zs.includes(z) && s >= Math.floor(ys[0] / rows) && s <= Math.floor((ys[1] - 1) / rows),
      pixel,
    );
    assert.ok(fs.statSync(file).size > 2.5 * 2 ** 30, "the file is beyond 2 GiB");
    const before = process.memoryUsage().arrayBuffers;
    const t0 = Date.now();
    const stack = openTiff(file);
    try {
      assert.deepEqual([stack.pages, stack.width, stack.height], [40, side, side]);
      const box = stack.read({ z: [36, 39], y: ys, x: [5000, 5080] });
      assert.deepEqual([box.width, box.height, box.depth], [80, 80, 3]);
      for (let k = 0; k < 3; k++) {
        for (const [y, x] of [
          [4100, 5000],
          [4179, 5079],
          [4150, 5040],
        ] as const) {
          assert.equal(box.data[(k * 80 + (y - ys[0])) * 80 + (x - 5000)], pixel(zs[k]!, y, x), `z ${zs[k]} y ${y} x ${x}`);
        }
      }
      // Two strips of 512 KiB per slice, not 64 MiB pages: the window's cost is a few MiB and well under a second.
      assert.ok(process.memoryUsage().arrayBuffers - before < 32 * 2 ** 20, "memory");
      assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
      assert.equal(
        stack.read({ z: [2, 3], y: [0, 1], x: [0, 4] }).data.every((v) => v === 0),
        true,
        "holes read as zeros",
      );
    } finally {
      stack.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
