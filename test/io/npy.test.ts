import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ParseError } from "../../lib/core";
import {
  readNpyFile,
  readNpy,
  writeNpy,
  writeNpyFile,
  npyToFloat64,
  npyToStrings,
  readNpzFile,
  readNpz,
  writeNpz,
  readNeuronNpzFile,
  readIdListFile,
} from "../../lib/io";

const FIX = path.resolve(__dirname, "../fixtures/io");
const fx = (f: string): string => path.join(FIX, f);
const range = (n: number, f: (i: number) => number): number[] => Array.from({ length: n }, (_, i) => f(i));

test("numeric dtypes, byte orders and C/Fortran order read as numpy wrote them", () => {
  const f16 = readNpyFile(fx("float16_2x3.npy"));
  assert.equal(f16.dtype, "float16");
  assert.deepEqual(f16.shape, [2, 3]);
  assert.ok(f16.data instanceof Float32Array);
  assert.deepEqual(
    Array.from(f16.data),
    range(6, (i) => i * 0.25 - 0.5),
  );

  const f32 = readNpyFile(fx("float32_c_order.npy"));
  assert.deepEqual([f32.dtype, f32.shape, f32.fortranOrder], ["float32", [2, 3, 4], false]);
  assert.deepEqual(
    Array.from(f32.data as Float32Array),
    range(24, (i) => i * 1.5),
  );

  const f64 = readNpyFile(fx("float64_fortran_order.npy"));
  assert.deepEqual([f64.dtype, f64.shape, f64.fortranOrder], ["float64", [3, 4, 2], true]);
  assert.deepEqual(
    Array.from(f64.data as Float64Array),
    range(24, (i) => i * 0.5),
    "returned in C order",
  );

  const be = readNpyFile(fx("int16_big_endian.npy"));
  assert.deepEqual([be.dtype, Array.from(be.data as Int16Array)], ["int16", [-2000, -1000, 0, 1000, 2000]]);
  assert.deepEqual(Array.from(readNpyFile(fx("int8.npy")).data as Int8Array), [-3, -2, -1, 0, 1, 2]);
  assert.deepEqual(Array.from(readNpyFile(fx("int32.npy")).data as Int32Array), [-150000, -50000, 50000, 150000]);
  assert.deepEqual(
    Array.from(readNpyFile(fx("uint8.npy")).data as Uint8Array),
    range(7, (i) => i * 40),
  );
  assert.deepEqual(Array.from(readNpyFile(fx("uint16.npy")).data as Uint16Array), [0, 30000, 60000]);
  assert.deepEqual(Array.from(readNpyFile(fx("uint32.npy")).data as Uint32Array), [0, 2000000000, 4000000000]);
  assert.deepEqual(Array.from(readNpyFile(fx("uint64.npy")).data as BigUint64Array), [0n, 2n ** 63n + 5n]);
  const b = readNpyFile(fx("bool.npy"));
  assert.deepEqual([b.dtype, Array.from(b.data as Uint8Array)], ["bool", [1, 0, 1, 1]]);
  assert.deepEqual(Array.from(readNpyFile(fx("version2_header.npy")).data as Int32Array), [0, 1, 2]);
});

test("strings: unicode (with non-ASCII) and bytes", () => {
  const u = readNpyFile(fx("unicode_strings.npy"));
  assert.equal(u.dtype, "unicode");
  assert.deepEqual(u.data, ["L2/3", "L4", "Zellkörper", "L6"]);
  assert.deepEqual(readNpyFile(fx("bytes_strings.npy")).data, ["ab", "c"]);
});

test("int64 ids beyond 2^53 survive exactly as strings; as numbers they are refused", () => {
  const ids = readNpyFile(fx("split_ids_int64.npy"));
  assert.deepEqual(npyToStrings(ids), ["864691135012345678", "864691135987654321", "17"]);
  assert.deepEqual(readIdListFile(fx("split_ids_int64.npy")), ["864691135012345678", "864691135987654321", "17"]);
  assert.throws(() => npyToFloat64(ids, "ids.npy"), /element 0 \(864691135012345678\) is too large to be exact/);
  assert.deepEqual(Array.from(npyToFloat64(readNpyFile(fx("int8.npy")))), [-3, -2, -1, 0, 1, 2]);
});

test("pickled object arrays are refused with how to re-save them; broken files name the byte", () => {
  const obj = fx("object_pickled.npy");
  assert.throws(
    () => readNpyFile(obj),
    (e: unknown) =>
      e instanceof ParseError &&
      e.file === obj &&
      /pickled object array .*np\.save\(path, np\.asarray\(arr, dtype=np\.float32\)\)/.test(e.message),
  );
  const trunc = fx("truncated.npy");
  assert.throws(
    () => readNpyFile(trunc),
    (e: unknown) => e instanceof ParseError && e.byteOffset === 128 && /needs 96 data bytes, found 86 \(truncated file\?\)/.test(e.message),
  );
  assert.throws(() => readNpy(new Uint8Array(20), "zeros.npy"), /^Error: zeros.npy@0: not a .npy file|zeros.npy@0: not a .npy file/);
});

test("writeNpy output reads back, and numpy's 64-byte alignment is kept", () => {
  const cases: Array<[Parameters<typeof writeNpy>[0], number[]]> = [
    [Float32Array.from([1.5, -2, 3]), [3]],
    [Float64Array.from(range(6, (i) => i / 7)), [2, 3]],
    [Uint8Array.from([0, 1, 1, 0, 1, 0, 0, 1]), [2, 2, 2]],
    [Int32Array.from([-5, 7]), [2, 1]],
    [BigInt64Array.from([864691135012345678n, -1n]), [2]],
    [["L2/3", "L5", "Zellkörper"], [3]],
  ];
  for (const [data, shape] of cases) {
    const bytes = writeNpy(data, shape);
    const headerLen = bytes[8]! | (bytes[9]! << 8);
    assert.equal((10 + headerLen) % 64, 0);
    const back = readNpy(bytes);
    assert.deepEqual(back.shape, shape);
    assert.deepEqual(Array.from(back.data as ArrayLike<unknown>), Array.from(data as ArrayLike<unknown>));
  }
  assert.equal(readNpy(writeNpy(Uint8Array.from([1, 0]), [2], "bool")).dtype, "bool");
  assert.throws(() => writeNpy(Float32Array.from([1, 2, 3]), [2, 2]), /shape \(2, 2\) holds 4 elements, data has 3/);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "npy-"));
  writeNpyFile(path.join(dir, "g.npy"), new Uint8Array(8), [2, 2, 2]);
  assert.deepEqual(readNpyFile(path.join(dir, "g.npy")).shape, [2, 2, 2]);
});

test("npz: stored and compressed archives, lazily decoded members, a clear miss", () => {
  const stored = readNpzFile(fx("stored.npz"));
  assert.deepEqual(stored.keys.sort(), ["a", "b"]);
  assert.deepEqual(Array.from(stored.get("a").data as Float32Array), [0, 1, 2, 3]);
  assert.deepEqual(stored.get("b").data, ["x", "yz"]);
  const comp = readNpzFile(fx("compressed.npz"));
  const grid = comp.get("grid");
  assert.deepEqual([grid.dtype, grid.shape, Array.from(grid.data as Uint8Array)], ["uint8", [3, 3], [1, 0, 0, 0, 1, 0, 0, 0, 1]]);
  assert.throws(() => comp.get("data"), /compressed.npz: no array "data" in the archive; it holds "a", "grid"/);
  for (const compress of [false, true]) {
    const back = readNpz(
      writeNpz({ x: { data: Float32Array.from([1, 2, 3, 4]), shape: [2, 2] }, ids: { data: ["7", "8"] } }, { compress }),
    );
    assert.deepEqual(back.get("x").shape, [2, 2]);
    assert.deepEqual(back.get("ids").data, ["7", "8"]);
  }
});

test("an upstream neuron npz (float16 coordinates / 1000) reads back in µm", () => {
  const cloud = readNeuronNpzFile(fx("upstream_neuron.npz"));
  const um = readNpyFile(fx("upstream_neuron_um.npy"));
  assert.equal(cloud.points.length, 150);
  const expected = um.data as Float64Array;
  for (let i = 0; i < 150; i++) {
    // float16 keeps 11 significant bits: relative error below 2^-11.
    assert.ok(
      Math.abs(cloud.points[i]! - expected[i]!) <= Math.abs(expected[i]!) * 2 ** -11 + 1e-3,
      `${i}: ${cloud.points[i]} vs ${expected[i]}`,
    );
  }
  assert.throws(() => readNeuronNpzFile(fx("compressed.npz"), { key: "a" }), /"a": expected an N×3 coordinate array, found shape \(4\)/);
});

test("float16 is written rounding to nearest even, as numpy does", () => {
  const v = Float32Array.from([0, 1, -2.5, 65504, 70000, 1e-8, 6.1e-5, 0.1, 2049, 2051, 1000.7]);
  const back = readNpy(writeNpy(v, [v.length], "float16"));
  assert.equal(back.dtype, "float16");
  // 2049 and 2051 sit halfway between float16 neighbours and round to the even one.
  assert.deepEqual(Array.from(back.data as Float32Array), [
    0,
    1,
    -2.5,
    65504,
    Infinity,
    0,
    6.097555160522461e-5,
    0.0999755859375,
    2048,
    2052,
    1000.5,
  ]);
  assert.throws(() => writeNpy(Int32Array.from([1]), [1], "float16"), /float16 is written from float data/);
  assert.throws(() => writeNpy(Int32Array.from([1]), [1], "float32"), /a Int32Array cannot be written as float32/);
});
