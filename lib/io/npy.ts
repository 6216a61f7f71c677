import * as fs from "node:fs";
import { ParseError, writeFileAtomic } from "../core";
import { floatToHalf, halfToFloat } from "./float16";
import { gatherStrided } from "./strided";

/**
 * NumPy `.npy` arrays (format versions 1, 2 and 3): float16/32/64, signed and
 * unsigned integers of 1-8 bytes, bool, fixed-width unicode (`<U`) and byte
 * (`|S`) strings, either byte order, C or Fortran order. Data always come back
 * in C order (last axis fastest). Pickled object arrays are refused: they can
 * run code when loaded and have no meaning outside Python.
 */
export type NpyDtype =
  | "float16"
  | "float32"
  | "float64"
  | "int8"
  | "int16"
  | "int32"
  | "int64"
  | "uint8"
  | "uint16"
  | "uint32"
  | "uint64"
  | "bool"
  | "unicode"
  | "bytes";

/** float16 arrives widened to float32; int64/uint64 as BigInt arrays (ids beyond 2^53 stay exact). */
export type NpyData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array
  | string[];

export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  /** Row-major (C order) elements. */
  data: NpyData;
  /** Whether the file stored the array in Fortran order (the data here are C order regardless). */
  fortranOrder?: boolean;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

interface Descr {
  dtype: NpyDtype;
  size: number;
  littleEndian: boolean;
}

function parseDescr(descr: string, file: string, at: number): Descr {
  const m = /^([<>|=])([a-zA-Z])(\d*)$/.exec(descr);
  if (!m) {
    if (descr.startsWith("[") || descr.startsWith("(")) {
      throw new ParseError(file, { byteOffset: at }, `structured dtype ${descr} is not supported; save each field as its own array`);
    }
    throw new ParseError(file, { byteOffset: at }, `unknown dtype "${descr}"`);
  }
  const order = m[1]!;
  const kind = m[2]!;
  const n = Number(m[3]);
  // '=' is native order; numpy writes '<' or '|' on little-endian machines.
  const littleEndian = order !== ">";
  const table: Record<string, NpyDtype | undefined> = {
    f2: "float16",
    f4: "float32",
    f8: "float64",
    i1: "int8",
    i2: "int16",
    i4: "int32",
    i8: "int64",
    u1: "uint8",
    u2: "uint16",
    u4: "uint32",
    u8: "uint64",
    b1: "bool",
  };
  if (kind === "O") {
    throw new ParseError(
      file,
      { byteOffset: at },
      "a pickled object array (dtype 'O') cannot be read safely; in Python re-save it with a plain dtype, e.g. " +
        "np.save(path, np.asarray(arr, dtype=np.float32)) for numbers or arr.astype(str) for strings",
    );
  }
  if (!(n > 0)) throw new ParseError(file, { byteOffset: at }, `dtype "${descr}" has no item size`);
  if (kind === "U") return { dtype: "unicode", size: 4 * n, littleEndian };
  if (kind === "S" || kind === "a") return { dtype: "bytes", size: n, littleEndian };
  const dtype = table[`${kind}${n}`];
  if (!dtype)
    throw new ParseError(
      file,
      { byteOffset: at },
      `dtype "${descr}" is not supported (float16/32/64, int/uint 8-64, bool, U and S strings are)`,
    );
  return { dtype, size: n, littleEndian };
}

function parseHeader(header: string, file: string, at: number): { descr: string; fortran: boolean; shape: number[] } {
  const descr = /'descr'\s*:\s*('([^']*)'|\[.*\])/s.exec(header);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header);
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descr || !fortran || !shape) {
    throw new ParseError(file, { byteOffset: at }, `header is not a numpy array header: ${header.trim().slice(0, 120)}`);
  }
  const dims = shape[1]!
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => Number(s.replace(/L$/, "")));
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new ParseError(file, { byteOffset: at }, `shape (${shape[1]}) is not a tuple of non-negative integers`);
  }
  return { descr: descr[2] ?? descr[1]!, fortran: fortran[1] === "True", shape: dims };
}

let HALF_TABLE: Float32Array | undefined;
function halfTable(): Float32Array {
  if (!HALF_TABLE) {
    HALF_TABLE = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) HALF_TABLE[h] = halfToFloat(h);
  }
  return HALF_TABLE;
}

function decode(bytes: Uint8Array, d: Descr, count: number, file: string, at: number): NpyData {
  const nativeLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  if (d.dtype === "unicode") {
    const chars = d.size / 4;
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const out = new Array<string>(count);
    for (let i = 0; i < count; i++) {
      let s = "";
      for (let c = 0; c < chars; c++) {
        const cp = dv.getUint32((i * chars + c) * 4, d.littleEndian);
        if (cp === 0) break;
        if (cp > 0x10ffff) {
          throw new ParseError(
            file,
            { byteOffset: at + (i * chars + c) * 4 },
            `element ${i} of a unicode array holds ${cp}, which is not a Unicode code point`,
          );
        }
        s += String.fromCodePoint(cp);
      }
      out[i] = s;
    }
    return out;
  }
  if (d.dtype === "bytes") {
    const out = new Array<string>(count);
    for (let i = 0; i < count; i++) {
      let end = i * d.size;
      const stop = end + d.size;
      while (end < stop && bytes[end] !== 0) end++;
      out[i] = Buffer.from(bytes.buffer, bytes.byteOffset + i * d.size, end - i * d.size).toString("latin1");
    }
    return out;
  }
  // Copy into a fresh, aligned buffer, swapping bytes when the order differs from ours.
  // (Buffer.slice would return a view into Node's shared pool, hence the explicit copy.)
  const copy = new Uint8Array(count * d.size);
  copy.set(bytes.subarray(0, count * d.size));
  if (d.size > 1 && d.littleEndian !== nativeLE) {
    for (let i = 0; i < copy.length; i += d.size) copy.subarray(i, i + d.size).reverse();
  }
  const buf = copy.buffer;
  switch (d.dtype) {
    case "float16": {
      const h = new Uint16Array(buf);
      const t = halfTable();
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = t[h[i]!]!;
      return out;
    }
    case "float32":
      return new Float32Array(buf);
    case "float64":
      return new Float64Array(buf);
    case "int8":
      return new Int8Array(buf);
    case "int16":
      return new Int16Array(buf);
    case "int32":
      return new Int32Array(buf);
    case "int64":
      return new BigInt64Array(buf);
    case "uint8":
      return new Uint8Array(buf);
    case "uint16":
      return new Uint16Array(buf);
    case "uint32":
      return new Uint32Array(buf);
    case "uint64":
      return new BigUint64Array(buf);
    case "bool": {
      const out = new Uint8Array(buf);
      for (let i = 0; i < count; i++) out[i] = out[i] ? 1 : 0;
      return out;
    }
  }
}

/** Fortran-order elements reordered to C order. */
function fortranToC<T extends NpyData>(data: T, shape: number[]): T {
  if (shape.length < 2) return data;
  // In Fortran order the first axis varies fastest.
  const fortranStrides = new Array<number>(shape.length);
  for (let a = 0, s = 1; a < shape.length; a++) {
    fortranStrides[a] = s;
    s *= shape[a]!;
  }
  return gatherStrided(data, 0, shape, fortranStrides);
}

/** Parses `.npy` bytes; `file` names the source in errors. */
export function readNpy(bytes: Uint8Array, file = "<npy>"): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new ParseError(file, { byteOffset: 0 }, "not a .npy file (expected the magic bytes \\x93NUMPY)");
  }
  const major = bytes[6]!;
  if (major < 1 || major > 3)
    throw new ParseError(file, { byteOffset: 6 }, `npy format version ${major}.${bytes[7]} is not supported (1-3 are)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (major > 1 && bytes.length < 12)
    throw new ParseError(file, { byteOffset: 8 }, `file has ${bytes.length} bytes, too short for a version ${major} header length`);
  const headerLen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const dataStart = headerStart + headerLen;
  if (dataStart > bytes.length)
    throw new ParseError(file, { byteOffset: 8 }, `header length ${headerLen} runs past the end of the file (${bytes.length} bytes)`);
  const header = Buffer.from(bytes.buffer, bytes.byteOffset + headerStart, headerLen).toString(major === 3 ? "utf8" : "latin1");
  const h = parseHeader(header, file, headerStart);
  const d = parseDescr(h.descr, file, headerStart);
  const count = h.shape.reduce((a, b) => a * b, 1);
  const need = count * d.size;
  if (bytes.length - dataStart < need) {
    throw new ParseError(
      file,
      { byteOffset: dataStart },
      `shape (${h.shape.join(", ")}) of ${h.descr} needs ${need} data bytes, found ${bytes.length - dataStart} (truncated file?)`,
    );
  }
  let data = decode(bytes.subarray(dataStart, dataStart + need), d, count, file, dataStart);
  if (h.fortran) data = fortranToC(data, h.shape);
  return { dtype: d.dtype, shape: h.shape, data, fortranOrder: h.fortran };
}

export function readNpyFile(file: string): NpyArray {
  return readNpy(fs.readFileSync(file), file);
}

const DESCR: Record<NpyDtype, string> = {
  float16: "<f2",
  float32: "<f4",
  float64: "<f8",
  int8: "|i1",
  int16: "<i2",
  int32: "<i4",
  int64: "<i8",
  uint8: "|u1",
  uint16: "<u2",
  uint32: "<u4",
  uint64: "<u8",
  bool: "|b1",
  unicode: "<U",
  bytes: "|S",
};

/** The dtype a typed array is written as (Uint8Array is uint8; pass dtype "bool" for masks). */
function dtypeOf(data: NpyData): NpyDtype {
  if (Array.isArray(data)) return "unicode";
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Float64Array) return "float64";
  if (data instanceof Int8Array) return "int8";
  if (data instanceof Int16Array) return "int16";
  if (data instanceof Int32Array) return "int32";
  if (data instanceof BigInt64Array) return "int64";
  if (data instanceof Uint16Array) return "uint16";
  if (data instanceof Uint32Array) return "uint32";
  if (data instanceof BigUint64Array) return "uint64";
  return "uint8";
}

/**
 * `.npy` bytes (format 1.0, little endian, C order) for a typed array or a
 * list of strings (written as `<U` with the longest string's width).
 */
export function writeNpy(data: NpyData, shape: number[] = [data.length], dtype: NpyDtype = dtypeOf(data)): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new RangeError(`writeNpy: shape (${shape.join(", ")}) holds ${count} elements, data has ${data.length}`);
  let descr = DESCR[dtype];
  let body: Uint8Array;
  if (Array.isArray(data)) {
    if (dtype !== "unicode") throw new RangeError(`writeNpy: strings are written as unicode, not ${dtype}`);
    // <U counts code points, not UTF-16 units.
    const width = Math.max(1, ...data.map((s) => Array.from(s).length));
    descr = `<U${width}`;
    const dv = new DataView(new ArrayBuffer(count * width * 4));
    data.forEach((s, i) => {
      let c = 0;
      for (const ch of s) dv.setUint32((i * width + c++) * 4, ch.codePointAt(0)!, true);
    });
    body = new Uint8Array(dv.buffer);
  } else {
    if (dtype === "unicode" || dtype === "bytes") throw new RangeError(`writeNpy: ${dtype} is written from a list of strings`);
    if (dtype === "bool" && !(data instanceof Uint8Array)) throw new RangeError("writeNpy: bool data must be a Uint8Array of 0/1");
    if (dtype === "float16") {
      if (!(data instanceof Float32Array || data instanceof Float64Array))
        throw new RangeError("writeNpy: float16 is written from float data");
      const h = new Uint16Array(count);
      for (let i = 0; i < count; i++) h[i] = floatToHalf(data[i]!);
      body = new Uint8Array(h.buffer);
    } else if (dtype !== dtypeOf(data) && !(dtype === "bool" && data instanceof Uint8Array)) {
      throw new RangeError(`writeNpy: a ${data.constructor.name} cannot be written as ${dtype}`);
    } else body = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Pad with spaces so the data start at a multiple of 64, ending the header with "\n".
  const total = 10 + header.length + 1;
  header += " ".repeat((64 - (total % 64)) % 64) + "\n";
  const out = new Uint8Array(10 + header.length + body.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(Buffer.from(header, "latin1"), 10);
  out.set(body, 10 + header.length);
  return out;
}

/** Writes the .npy atomically (temp file, then rename): an interrupted run never leaves half an array. */
export function writeNpyFile(file: string, data: NpyData, shape?: number[], dtype?: NpyDtype): void {
  writeFileAtomic(file, writeNpy(data, shape, dtype));
}

/** Numbers as a Float64Array (BigInt ids are refused beyond 2^53; strings are parsed). */
export function npyToFloat64(a: NpyArray, file = "<npy>"): Float64Array {
  const out = new Float64Array(a.data.length);
  for (let i = 0; i < a.data.length; i++) {
    const v = a.data[i]!;
    const x = typeof v === "bigint" ? Number(v) : Number(v);
    if (typeof v === "bigint" && !Number.isSafeInteger(x)) {
      throw new ParseError(file, {}, `element ${i} (${v}) is too large to be exact as a number; read it as a string id`);
    }
    out[i] = x;
  }
  return out;
}

/** Elements as strings: ids of any size survive exactly (int64 segment ids exceed 2^53). */
export function npyToStrings(a: NpyArray): string[] {
  if (Array.isArray(a.data)) return a.data.slice();
  return Array.from(a.data as ArrayLike<number | bigint>, (v) => String(v));
}
