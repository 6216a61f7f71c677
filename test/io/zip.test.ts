import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readZip, writeZip, crc32 } from "../../lib/io";
import { ParseError } from "../../lib/core";
import { python, pythonModule } from "../helpers/python";
import { requires } from "../helpers/requires";

const fixtures = path.resolve(__dirname, "../fixtures/zip");
const text = (b: Uint8Array) => new TextDecoder().decode(b);

test("crc32 matches the standard check value", () => {
  assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
});

test("reads stored and deflated members and an archive comment written by Python's zipfile", () => {
  const zip = readZip(fs.readFileSync(path.join(fixtures, "python_stored_and_deflated.zip")), "python.zip");
  assert.deepEqual(
    zip.entries.map((e) => [e.name, e.method]),
    [
      ["stored.txt", "stored"],
      ["deflated.txt", "deflate"],
      ["dir/empty.bin", "deflate"],
    ],
  );
  assert.equal(text(zip.read("stored.txt")), "hello stored\n");
  assert.equal(text(zip.read("deflated.txt")), "abcabcabc".repeat(100));
  assert.equal(zip.read("dir/empty.bin").length, 0);
});

test("reads numpy.savez (zip64 local headers) and savez_compressed archives", () => {
  for (const name of ["numpy_savez.npz", "numpy_savez_compressed.npz"]) {
    const zip = readZip(fs.readFileSync(path.join(fixtures, name)), name);
    assert.deepEqual(
      zip.entries.map((e) => e.name),
      ["a.npy", "b.npy"],
    );
    const a = zip.read("a.npy");
    assert.equal(a[0], 0x93);
    assert.equal(text(a.subarray(1, 6)), "NUMPY");
    // The last float32 of arange(12) is 11.
    assert.equal(new DataView(a.buffer, a.byteOffset).getFloat32(a.length - 4, true), 11);
  }
});

test("reads zip64 extra fields and zip64 end records (Python's zipfile with a lowered ZIP64_LIMIT)", () => {
  const zip = readZip(fs.readFileSync(path.join(fixtures, "zip64_records.zip")), "zip64.zip");
  assert.deepEqual(
    zip.entries.map((e) => [e.name, e.size, e.headerOffset]),
    [
      ["first.txt", 50, 0],
      ["second.txt", 80, 109],
      ["third.txt", 60, 184],
    ],
  );
  assert.equal(text(zip.read("first.txt")), "0123456789".repeat(5));
  assert.equal(text(zip.read("second.txt")), "abcdefghij".repeat(8));
  assert.equal(text(zip.read("third.txt")), "zz".repeat(30));
});

test("round-trips stored, deflated and aligned archives", () => {
  const inputs = [
    { name: "x/data.pkl", data: new Uint8Array([1, 2, 3]) },
    { name: "x/data/0", data: new Uint8Array(1000).map((_, i) => i % 7) },
    { name: "x/empty", data: new Uint8Array(0) },
    { name: "ünïcode.txt", data: new TextEncoder().encode("ok") },
  ];
  for (const options of [{}, { compress: true }, { align: 64 }]) {
    const bytes = writeZip(inputs, options);
    const zip = readZip(bytes, "roundtrip.zip");
    assert.deepEqual(
      zip.entries.map((e) => e.name),
      inputs.map((i) => i.name),
    );
    for (const input of inputs) assert.deepEqual(zip.read(input.name), input.data);
    if ("align" in options) {
      for (const e of zip.entries) {
        const dv = new DataView(bytes.buffer, bytes.byteOffset);
        const start = e.headerOffset + 30 + dv.getUint16(e.headerOffset + 26, true) + dv.getUint16(e.headerOffset + 28, true);
        assert.equal(start % 64, 0, `${e.name} starts at ${start}`);
      }
    }
  }
});

test("Python's zipfile reads what writeZip writes", (t) => {
  if (!requires(t, pythonModule("zipfile", "apt-get install python3"))) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zip-"));
  const file = path.join(dir, "out.zip");
  fs.writeFileSync(
    file,
    writeZip(
      [
        { name: "a.txt", data: new TextEncoder().encode("alpha") },
        { name: "b.txt", data: new TextEncoder().encode("beta".repeat(50)) },
      ],
      { compress: true, align: 64 },
    ),
  );
  const out = python([
    "-c",
    "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print(z.read('a.txt').decode(), len(z.read('b.txt')))",
    file,
  ]);
  assert.equal(out.trim(), "alpha 200");
});

test("errors name the file, the byte offset and what is wrong", () => {
  const good = writeZip([{ name: "m.bin", data: new Uint8Array(100).fill(7) }]);
  assert.throws(() => readZip(new Uint8Array(10), "tiny.zip"), /^ParseError: tiny\.zip@0: not a zip archive: 10 bytes/);
  assert.throws(
    () => readZip(new Uint8Array(200), "zeros.zip"),
    (e: unknown) => e instanceof ParseError && /zeros\.zip@178: not a zip archive: no end-of-central-directory record/.test(e.message),
  );

  const corrupt = good.slice();
  corrupt[30 + "m.bin".length + 10] ^= 0xff;
  assert.throws(() => readZip(corrupt, "flipped.zip").read("m.bin"), /flipped\.zip@35: member "m\.bin": CRC-32 mismatch/);

  const truncated = good.slice(0, 60).slice();
  assert.throws(() => readZip(truncated, "cut.zip"), /cut\.zip@\d+: not a zip archive/);

  assert.throws(() => readZip(good, "good.zip").read("other"), /good\.zip: no member "other" in the archive \(it has 1: m\.bin\)/);
  assert.throws(
    () =>
      writeZip([
        { name: "a", data: new Uint8Array(0) },
        { name: "a", data: new Uint8Array(0) },
      ]),
    /duplicate member name "a"/,
  );
});
