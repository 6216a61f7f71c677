import * as fs from "node:fs";
import * as zlib from "node:zlib";
import { ParseError } from "../core";

/**
 * TIFF slices as microscopes and Fiji/PIL/tifffile write them: one grayscale
 * sample per pixel, 1/8/16/32/64 bits, unsigned, signed or float, stored in
 * strips or tiles, uncompressed, PackBits, LZW or Deflate, with or without the
 * horizontal (2) or floating-point (3) predictor, little or big endian,
 * classic TIFF or BigTIFF.
 */
export type TiffSampleFormat = "uint" | "int" | "float";

export type TiffPixels =
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Float32Array
  | Float64Array;

/** One page of a TIFF: `data[y * width + x]`. */
export interface TiffImage {
  width: number;
  height: number;
  bitsPerSample: number;
  sampleFormat: TiffSampleFormat;
  data: TiffPixels;
}

const TAG = {
  width: 256,
  height: 257,
  bitsPerSample: 258,
  compression: 259,
  photometric: 262,
  stripOffsets: 273,
  samplesPerPixel: 277,
  rowsPerStrip: 278,
  stripByteCounts: 279,
  planarConfig: 284,
  predictor: 317,
  tileWidth: 322,
  tileLength: 323,
  tileOffsets: 324,
  tileByteCounts: 325,
  sampleFormat: 339,
} as const;

const COMPRESSION_NAMES: Record<number, string> = {
  1: "none",
  5: "LZW",
  8: "Deflate",
  32946: "Deflate (old code)",
  32773: "PackBits",
};

/** Byte sizes of the TIFF field types (index = type code). */
const TYPE_SIZE = [0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4, 0, 0, 8, 8, 8];

class Reader {
  readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    readonly little: boolean,
    readonly file: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  check(offset: number, length: number, what: string): void {
    if (offset < 0 || offset + length > this.bytes.length) {
      throw new ParseError(this.file, { byteOffset: offset }, `${what} needs ${length} bytes at offset ${offset} but the file has ${this.bytes.length}`);
    }
  }
  u16(o: number): number {
    this.check(o, 2, "a 16-bit field");
    return this.view.getUint16(o, this.little);
  }
  u32(o: number): number {
    this.check(o, 4, "a 32-bit field");
    return this.view.getUint32(o, this.little);
  }
  u64(o: number): number {
    this.check(o, 8, "a 64-bit field");
    const v = this.view.getBigUint64(o, this.little);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ParseError(this.file, { byteOffset: o }, `offset ${v} is too large`);
    return Number(v);
  }
  value(type: number, o: number): number {
    switch (type) {
      case 1:
      case 7:
        return this.bytes[o]!;
      case 6:
        return this.view.getInt8(o);
      case 3:
        return this.u16(o);
      case 8:
        return this.view.getInt16(o, this.little);
      case 4:
      case 13:
        return this.u32(o);
      case 9:
        return this.view.getInt32(o, this.little);
      case 16:
      case 18:
        return this.u64(o);
      case 5:
        return this.u32(o) / this.u32(o + 4);
      default:
        throw new ParseError(this.file, { byteOffset: o }, `numeric TIFF field of type ${type} is not supported`);
    }
  }
}

type Ifd = Map<number, number[]>;

function readIfd(r: Reader, offset: number, big: boolean): { ifd: Ifd; next: number } {
  const count = big ? r.u64(offset) : r.u16(offset);
  const entrySize = big ? 20 : 12;
  const start = offset + (big ? 8 : 2);
  r.check(start, count * entrySize, `image directory with ${count} entries`);
  const ifd: Ifd = new Map();
  for (let i = 0; i < count; i++) {
    const e = start + i * entrySize;
    const tag = r.u16(e);
    const type = r.u16(e + 2);
    const n = big ? r.u64(e + 4) : r.u32(e + 4);
    const size = TYPE_SIZE[type] ?? 0;
    // Text, undefined and unknown field types are not needed for pixels.
    if (size === 0 || type === 2 || type === 11 || type === 12) continue;
    const inlineBytes = big ? 8 : 4;
    const valueAt = n * size <= inlineBytes ? e + (big ? 12 : 8) : big ? r.u64(e + 12) : r.u32(e + 8);
    if (!Object.values(TAG).includes(tag as never)) continue;
    r.check(valueAt, n * size, `values of TIFF tag ${tag}`);
    const values: number[] = new Array(n);
    for (let k = 0; k < n; k++) values[k] = r.value(type, valueAt + k * size);
    ifd.set(tag, values);
  }
  const nextAt = start + count * entrySize;
  return { ifd, next: big ? r.u64(nextAt) : r.u32(nextAt) };
}

function decodePackBits(src: Uint8Array, expected: number): Uint8Array {
  const out = new Uint8Array(expected);
  let i = 0;
  let o = 0;
  while (i < src.length && o < expected) {
    const n = (src[i++]! << 24) >> 24;
    if (n >= 0) {
      const len = Math.min(n + 1, expected - o, src.length - i);
      out.set(src.subarray(i, i + len), o);
      i += n + 1;
      o += len;
    } else if (n !== -128) {
      const len = Math.min(1 - n, expected - o);
      out.fill(src[i++]!, o, o + len);
      o += len;
    }
  }
  return out;
}

/** TIFF LZW: MSB-first codes, 9–12 bits, code width grows one code early. */
function decodeLzw(src: Uint8Array, expected: number, file: string, at: number): Uint8Array {
  const out = new Uint8Array(expected);
  let o = 0;
  const prefix = new Int32Array(4096);
  const suffix = new Uint8Array(4096);
  const length = new Int32Array(4096);
  for (let c = 0; c < 256; c++) {
    prefix[c] = -1;
    suffix[c] = c;
    length[c] = 1;
  }
  let next = 258;
  let width = 9;
  let bitPos = 0;
  let old = -1;
  const totalBits = src.length * 8;
  const emit = (code: number): number => {
    const len = length[code]!;
    let c = code;
    for (let k = len - 1; k >= 0; k--) {
      if (o + k < expected) out[o + k] = suffix[c]!;
      c = prefix[c]!;
    }
    o += len;
    return len;
  };
  const firstByte = (code: number): number => {
    let c = code;
    while (prefix[c]! >= 0) c = prefix[c]!;
    return suffix[c]!;
  };
  while (bitPos + width <= totalBits && o < expected) {
    let code = 0;
    for (let k = 0; k < width; k++) {
      const bit = (src[(bitPos + k) >> 3]! >> (7 - ((bitPos + k) & 7))) & 1;
      code = (code << 1) | bit;
    }
    bitPos += width;
    if (code === 257) break;
    if (code === 256) {
      next = 258;
      width = 9;
      old = -1;
      continue;
    }
    if (old === -1) {
      if (code > 255) throw new ParseError(file, { byteOffset: at }, `LZW data starts with code ${code} instead of a literal`);
      emit(code);
      old = code;
      continue;
    }
    if (code < next) {
      emit(code);
      if (next < 4096) {
        prefix[next] = old;
        suffix[next] = firstByte(code);
        length[next] = length[old]! + 1;
        next++;
      }
    } else if (code === next) {
      const f = firstByte(old);
      if (next < 4096) {
        prefix[next] = old;
        suffix[next] = f;
        length[next] = length[old]! + 1;
        next++;
      }
      emit(code);
    } else {
      throw new ParseError(file, { byteOffset: at }, `LZW code ${code} is beyond the table (${next} entries): corrupt data`);
    }
    old = code;
    if (next + 1 >= 1 << width && width < 12) width++;
  }
  return out;
}

function decompress(
  compression: number,
  src: Uint8Array,
  expected: number,
  file: string,
  at: number,
): Uint8Array {
  switch (compression) {
    case 1:
      if (src.length < expected) throw new ParseError(file, { byteOffset: at }, `uncompressed block has ${src.length} bytes, expected ${expected}`);
      return src.subarray(0, expected);
    case 5:
      return decodeLzw(src, expected, file, at);
    case 8:
    case 32946:
      try {
        return zlib.inflateSync(src);
      } catch (err) {
        throw new ParseError(file, { byteOffset: at }, `Deflate data could not be inflated (${(err as Error).message})`, { cause: err });
      }
    case 32773:
      return decodePackBits(src, expected);
    default:
      throw new ParseError(
        file,
        { byteOffset: at },
        `TIFF compression ${compression} is not supported (supported: ${Object.entries(COMPRESSION_NAMES)
          .map(([k, v]) => `${k} ${v}`)
          .join(", ")}); re-save the slices uncompressed or with LZW/Deflate`,
      );
  }
}

/** Undoes predictor 2 on one block of `rows` rows of `cols` samples, in file byte order. */
function undoHorizontal(block: Uint8Array, cols: number, rows: number, bytes: number, little: boolean): void {
  const view = new DataView(block.buffer, block.byteOffset, block.byteLength);
  for (let y = 0; y < rows; y++) {
    const row = y * cols * bytes;
    for (let x = 1; x < cols; x++) {
      const o = row + x * bytes;
      const p = o - bytes;
      if (bytes === 1) block[o] = (block[o]! + block[p]!) & 0xff;
      else if (bytes === 2) view.setUint16(o, (view.getUint16(o, little) + view.getUint16(p, little)) & 0xffff, little);
      else if (bytes === 4) view.setUint32(o, (view.getUint32(o, little) + view.getUint32(p, little)) >>> 0, little);
      else view.setBigUint64(o, BigInt.asUintN(64, view.getBigUint64(o, little) + view.getBigUint64(p, little)), little);
    }
  }
}

/**
 * Undoes predictor 3 (floating point): each row holds the bytes of its
 * samples regrouped most significant byte first, byte-wise differenced.
 * The result is written back in the file's byte order.
 */
function undoFloatingPoint(block: Uint8Array, cols: number, rows: number, bytes: number, little: boolean): void {
  const rowBytes = cols * bytes;
  const tmp = new Uint8Array(rowBytes);
  for (let y = 0; y < rows; y++) {
    const row = block.subarray(y * rowBytes, (y + 1) * rowBytes);
    for (let i = 1; i < rowBytes; i++) row[i] = (row[i]! + row[i - 1]!) & 0xff;
    tmp.set(row);
    for (let x = 0; x < cols; x++) {
      for (let b = 0; b < bytes; b++) {
        const significance = bytes - 1 - b; // b-th plane = byte of significance (bytes-1-b)
        const dest = little ? x * bytes + significance : x * bytes + b;
        row[dest] = tmp[b * cols + x]!;
      }
    }
  }
}

function allocate(format: TiffSampleFormat, bits: number, n: number, file: string): TiffPixels {
  if (bits === 1) return new Uint8Array(n);
  if (format === "float") {
    if (bits === 32) return new Float32Array(n);
    if (bits === 64) return new Float64Array(n);
  } else if (format === "uint") {
    if (bits === 8) return new Uint8Array(n);
    if (bits === 16) return new Uint16Array(n);
    if (bits === 32) return new Uint32Array(n);
  } else {
    if (bits === 8) return new Int8Array(n);
    if (bits === 16) return new Int16Array(n);
    if (bits === 32) return new Int32Array(n);
  }
  throw new ParseError(file, {}, `${bits}-bit ${format} samples are not supported (supported: 1-bit, 8/16/32-bit integers, 32/64-bit floats)`);
}

function readSample(view: DataView, o: number, format: TiffSampleFormat, bytes: number, little: boolean): number {
  if (format === "float") return bytes === 4 ? view.getFloat32(o, little) : view.getFloat64(o, little);
  if (format === "int") return bytes === 1 ? view.getInt8(o) : bytes === 2 ? view.getInt16(o, little) : view.getInt32(o, little);
  return bytes === 1 ? view.getUint8(o) : bytes === 2 ? view.getUint16(o, little) : view.getUint32(o, little);
}

function one(ifd: Ifd, tag: number, fallback?: number): number | undefined {
  const v = ifd.get(tag);
  return v && v.length > 0 ? v[0] : fallback;
}

function decodePage(r: Reader, ifd: Ifd, page: number): TiffImage {
  const file = r.file;
  const where = `page ${page}`;
  const width = one(ifd, TAG.width);
  const height = one(ifd, TAG.height);
  if (width === undefined || height === undefined) throw new ParseError(file, {}, `${where}: ImageWidth/ImageLength tag missing`);
  const spp = one(ifd, TAG.samplesPerPixel, 1)!;
  if (spp !== 1) throw new ParseError(file, {}, `${where}: expected a grayscale image (1 sample per pixel), found ${spp} samples per pixel; convert the slices to grayscale`);
  const bits = one(ifd, TAG.bitsPerSample, 1)!;
  const formatCode = one(ifd, TAG.sampleFormat, 1)!;
  const format: TiffSampleFormat = formatCode === 3 ? "float" : formatCode === 2 ? "int" : "uint";
  if (formatCode > 3 && formatCode !== 4) throw new ParseError(file, {}, `${where}: SampleFormat ${formatCode} (complex) is not supported`);
  const compression = one(ifd, TAG.compression, 1)!;
  const predictor = one(ifd, TAG.predictor, 1)!;
  const photometric = one(ifd, TAG.photometric, 1)!;
  const data = allocate(format, bits, width * height, file);
  const bytes = bits === 1 ? 0 : bits / 8;

  const tiled = ifd.has(TAG.tileOffsets);
  const blockW = tiled ? one(ifd, TAG.tileWidth)! : width;
  const blockH = tiled ? one(ifd, TAG.tileLength)! : Math.min(one(ifd, TAG.rowsPerStrip, height)!, height);
  const offsets = ifd.get(tiled ? TAG.tileOffsets : TAG.stripOffsets);
  const counts = ifd.get(tiled ? TAG.tileByteCounts : TAG.stripByteCounts);
  if (!offsets) throw new ParseError(file, {}, `${where}: neither StripOffsets nor TileOffsets present`);
  if (!counts || counts.length !== offsets.length) {
    throw new ParseError(file, {}, `${where}: ${tiled ? "TileByteCounts" : "StripByteCounts"} has ${counts?.length ?? 0} entries, expected ${offsets.length}`);
  }
  const across = Math.ceil(width / blockW);
  const down = Math.ceil(height / blockH);
  if (offsets.length < across * down) throw new ParseError(file, {}, `${where}: ${offsets.length} ${tiled ? "tiles" : "strips"} for ${across * down} needed`);
  const rowBytes = bits === 1 ? Math.ceil(blockW / 8) : blockW * bytes;

  for (let b = 0; b < across * down; b++) {
    const bx = (b % across) * blockW;
    const by = Math.floor(b / across) * blockH;
    // Tiles are always full size; the last strip may be short.
    const rows = tiled ? blockH : Math.min(blockH, height - by);
    const expected = rowBytes * rows;
    const at = offsets[b]!;
    r.check(at, counts[b]!, `${tiled ? "tile" : "strip"} ${b} of ${where}`);
    let block = decompress(compression, r.bytes.subarray(at, at + counts[b]!), expected, file, at);
    if (block.length < expected) throw new ParseError(file, { byteOffset: at }, `${where}: ${tiled ? "tile" : "strip"} ${b} decodes to ${block.length} bytes, expected ${expected}`);
    if (predictor !== 1) {
      // Predictors modify the block in place; never touch the file's bytes.
      if (block.buffer === r.bytes.buffer) block = block.slice();
      if (predictor === 2 && bits >= 8) undoHorizontal(block, blockW, rows, bytes, r.little);
      else if (predictor === 3 && format === "float") undoFloatingPoint(block, blockW, rows, bytes, r.little);
      else throw new ParseError(file, {}, `${where}: predictor ${predictor} with ${bits}-bit ${format} samples is not supported`);
    }
    const view = new DataView(block.buffer, block.byteOffset, block.byteLength);
    const w = Math.min(blockW, width - bx);
    const h = Math.min(rows, height - by);
    for (let y = 0; y < h; y++) {
      const dst = (by + y) * width + bx;
      const src = y * rowBytes;
      if (bits === 1) {
        for (let x = 0; x < w; x++) data[dst + x] = (block[src + (x >> 3)]! >> (7 - (x & 7))) & 1;
      } else if (bytes === 1 && format === "uint") {
        (data as Uint8Array).set(block.subarray(src, src + w), dst);
      } else {
        for (let x = 0; x < w; x++) data[dst + x] = readSample(view, src + x * bytes, format, bytes, r.little);
      }
    }
  }
  if (photometric === 0 && format === "uint") {
    // WhiteIsZero: store as the usual BlackIsZero so all slices compare alike.
    const max = bits === 1 ? 1 : 2 ** bits - 1;
    for (let i = 0; i < data.length; i++) data[i] = max - data[i]!;
  }
  return { width, height, bitsPerSample: bits, sampleFormat: format, data };
}

/** All pages of a TIFF file held in memory. `file` names it in errors. */
export function readTiff(bytes: Uint8Array, file = "<tiff>"): TiffImage[] {
  if (bytes.length < 8) throw new ParseError(file, { byteOffset: 0 }, `file has ${bytes.length} bytes, too short for a TIFF header`);
  const order = String.fromCharCode(bytes[0]!, bytes[1]!);
  if (order !== "II" && order !== "MM") {
    throw new ParseError(file, { byteOffset: 0 }, `not a TIFF file: expected "II" or "MM" at the start, found ${JSON.stringify(order)}`);
  }
  const r = new Reader(bytes, order === "II", file);
  const version = r.u16(2);
  if (version !== 42 && version !== 43) throw new ParseError(file, { byteOffset: 2 }, `not a TIFF file: expected version 42 (or 43 for BigTIFF), found ${version}`);
  const big = version === 43;
  let offset = big ? r.u64(8) : r.u32(4);
  const pages: TiffImage[] = [];
  const seen = new Set<number>();
  while (offset !== 0) {
    if (seen.has(offset)) throw new ParseError(file, { byteOffset: offset }, "image directories form a loop");
    seen.add(offset);
    const { ifd, next } = readIfd(r, offset, big);
    pages.push(decodePage(r, ifd, pages.length));
    offset = next;
  }
  if (pages.length === 0) throw new ParseError(file, { byteOffset: 4 }, "TIFF file holds no image");
  return pages;
}

/** Reads a TIFF file from disk; all pages. */
export function readTiffFile(file: string): TiffImage[] {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    throw new ParseError(file, {}, `cannot read file (${(err as Error).message})`, { cause: err });
  }
  return readTiff(bytes, file);
}

export type TiffCompression = "none" | "deflate" | "packbits";

export interface WriteTiffOptions {
  /** Compression of every strip (default "none"). */
  compression?: TiffCompression;
}

function encodePackBits(src: Uint8Array): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < src.length) {
    let run = 1;
    while (i + run < src.length && run < 128 && src[i + run] === src[i]) run++;
    if (run >= 2) {
      out.push((1 - run) & 0xff, src[i]!);
      i += run;
      continue;
    }
    const start = i;
    while (i < src.length && i - start < 128 && !(i + 1 < src.length && src[i + 1] === src[i])) i++;
    if (i === start) i++;
    out.push(i - start - 1);
    for (let k = start; k < i; k++) out.push(src[k]!);
  }
  return Uint8Array.from(out);
}

/**
 * A little-endian, one-strip-per-page TIFF (several pages when given several
 * images). Enough for synthetic data and tests; pixels keep their type.
 */
export function writeTiff(images: TiffImage | TiffImage[], options: WriteTiffOptions = {}): Uint8Array {
  const pages = Array.isArray(images) ? images : [images];
  const compression = options.compression ?? "none";
  const code = compression === "deflate" ? 8 : compression === "packbits" ? 32773 : 1;
  const chunks: Uint8Array[] = [];
  let size = 8;
  const header = new Uint8Array(8);
  const hv = new DataView(header.buffer);
  header[0] = 0x49;
  header[1] = 0x49;
  hv.setUint16(2, 42, true);
  chunks.push(header);
  const ifdPatch: Array<{ view: DataView; at: number }> = [];
  pages.forEach((img) => {
    const { width, height, data } = img;
    if (data.length !== width * height) throw new RangeError(`writeTiff: ${width}x${height} image needs ${width * height} pixels, found ${data.length}`);
    const bytesPer = data.BYTES_PER_ELEMENT;
    const raw = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    const body = code === 8 ? new Uint8Array(zlib.deflateSync(raw)) : code === 32773 ? encodePackBits(raw) : raw;
    const format = data instanceof Float32Array || data instanceof Float64Array ? 3 : data instanceof Int8Array || data instanceof Int16Array || data instanceof Int32Array ? 2 : 1;
    const stripAt = size;
    chunks.push(body);
    size += body.length;
    if (size % 2) {
      chunks.push(new Uint8Array(1));
      size++;
    }
    const entries: Array<[number, number, number]> = [
      [TAG.width, 4, width],
      [TAG.height, 4, height],
      [TAG.bitsPerSample, 3, bytesPer * 8],
      [TAG.compression, 3, code],
      [TAG.photometric, 3, 1],
      [TAG.stripOffsets, 4, stripAt],
      [TAG.samplesPerPixel, 3, 1],
      [TAG.rowsPerStrip, 4, height],
      [TAG.stripByteCounts, 4, body.length],
      [TAG.sampleFormat, 3, format],
    ];
    const ifd = new Uint8Array(2 + entries.length * 12 + 4);
    const v = new DataView(ifd.buffer);
    v.setUint16(0, entries.length, true);
    entries.forEach(([tag, type, value], i) => {
      const e = 2 + i * 12;
      v.setUint16(e, tag, true);
      v.setUint16(e + 2, type, true);
      v.setUint32(e + 4, 1, true);
      if (type === 3) v.setUint16(e + 8, value, true);
      else v.setUint32(e + 8, value, true);
    });
    if (ifdPatch.length === 0) hv.setUint32(4, size, true);
    else {
      const prev = ifdPatch[ifdPatch.length - 1]!;
      prev.view.setUint32(prev.at, size, true);
    }
    ifdPatch.push({ view: v, at: ifd.length - 4 });
    chunks.push(ifd);
    size += ifd.length;
  });
  const out = new Uint8Array(size);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** Writes `images` to `file` as a TIFF (see writeTiff). */
export function writeTiffFile(file: string, images: TiffImage | TiffImage[], options: WriteTiffOptions = {}): void {
  fs.writeFileSync(file, writeTiff(images, options));
}
