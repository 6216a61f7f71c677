import * as fs from "node:fs";
import * as zlib from "node:zlib";
import { ConfigError, ParseError, warnOnce, writeFileAtomic } from "../core";
import { COMPRESSION_NAMES, decompress, maxExpansion, undoFloatingPoint, undoHorizontal } from "./tiff-codecs";
import { imagejImages, stackMetadata } from "./tiff-metadata";
import type { TiffFinding, TiffResolution, TiffSpacing } from "./tiff-metadata";

export type { TiffFinding, TiffSpacing } from "./tiff-metadata";

/**
 * TIFF slices and stacks as microscopes and Fiji/PIL/tifffile write them: one
 * grayscale sample per pixel, 1/8/16/32/64 bits, unsigned, signed or float,
 * stored in strips or tiles, uncompressed, PackBits, LZW or Deflate, with or
 * without the horizontal (2) or floating-point (3) predictor, little or big
 * endian, classic TIFF or BigTIFF.
 *
 * Files are read through a file handle, a strip or tile at a time, so a
 * volume beyond the 2 GiB a Node buffer can hold loads, and a window of it
 * (a few slices, a box of rows and columns) decodes only the blocks it
 * touches. Reduced-resolution pages (thumbnails, pyramid levels) are skipped
 * with a finding; ImageJ hyperstacks and OME-TIFF are split into channels,
 * slices and frames, with their voxel size.
 */
export type TiffSampleFormat = "uint" | "int" | "float";

export type TiffPixels = Uint8Array | Uint16Array | Uint32Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** One page of a TIFF: `data[y * width + x]`. */
export interface TiffImage {
  width: number;
  height: number;
  bitsPerSample: number;
  sampleFormat: TiffSampleFormat;
  data: TiffPixels;
}

/** A block of a stack: `data[(z * height + y) * width + x]`. */
export interface TiffVolume {
  width: number;
  height: number;
  depth: number;
  bitsPerSample: number;
  sampleFormat: TiffSampleFormat;
  data: TiffPixels;
}

/** A sub-volume to read: half-open ranges [start, end) of slices, rows and columns; every field optional. */
export interface TiffWindow {
  /** Slices (default all). */
  z?: [number, number];
  /** Rows (default all). */
  y?: [number, number];
  /** Columns (default all). */
  x?: [number, number];
  /** Channel of a hyperstack (default 0). */
  channel?: number;
  /** Time frame of a hyperstack (default 0). */
  frame?: number;
}

/** An opened TIFF stack; pixels are decoded only when asked for. Close it when done. */
export interface TiffStack {
  file: string;
  /** Size of the first full-resolution page; every page read must match it. */
  width: number;
  height: number;
  bitsPerSample: number;
  sampleFormat: TiffSampleFormat;
  /** Full-resolution pages (channels × slices × frames). */
  pages: number;
  channels: number;
  slices: number;
  frames: number;
  /** Voxel size, when the file gives it. */
  spacing?: TiffSpacing;
  /** Reduced-resolution pages skipped, metadata that did not fit the pages. */
  findings: TiffFinding[];
  /** One full-resolution page by its number in the file (0-based, reduced pages not counted). */
  page(index: number): TiffImage;
  /** A sub-volume of one channel and frame. */
  read(window?: TiffWindow): TiffVolume;
  close(): void;
}

const TAG = {
  newSubfileType: 254,
  subfileType: 255,
  width: 256,
  height: 257,
  bitsPerSample: 258,
  compression: 259,
  photometric: 262,
  description: 270,
  stripOffsets: 273,
  samplesPerPixel: 277,
  rowsPerStrip: 278,
  stripByteCounts: 279,
  xResolution: 282,
  yResolution: 283,
  resolutionUnit: 296,
  predictor: 317,
  tileWidth: 322,
  tileLength: 323,
  tileOffsets: 324,
  tileByteCounts: 325,
  sampleFormat: 339,
} as const;
const KNOWN_TAGS = new Set<number>(Object.values(TAG));

/** Byte sizes of the TIFF field types (index = type code). */
const TYPE_SIZE = [0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4, 0, 0, 8, 8, 8];

/** Random access to the file's bytes: a buffer in memory, or an open file read as needed. */
interface Source {
  size: number;
  /** `length` bytes at `offset`; a view into memory or a fresh buffer. */
  read(offset: number, length: number, what: string): Uint8Array;
  close(): void;
}

/** Whether `length` bytes at `offset` are inside a file of `size` bytes (offsets from a damaged tag may be fractions). */
function inside(offset: number, length: number, size: number): boolean {
  return Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= 0 && length >= 0 && offset + length <= size;
}

function outOfFile(file: string, offset: number, length: number, size: number, what: string): ParseError {
  return new ParseError(file, { byteOffset: offset }, `${what} needs ${length} bytes at offset ${offset} but the file has ${size}`);
}

function memorySource(bytes: Uint8Array, file: string): Source {
  return {
    size: bytes.length,
    read(offset, length, what) {
      if (!inside(offset, length, bytes.length)) throw outOfFile(file, offset, length, bytes.length, what);
      return bytes.subarray(offset, offset + length);
    },
    close() {},
  };
}

function fileSource(file: string): Source {
  let fd: number;
  let size: number;
  try {
    fd = fs.openSync(file, "r");
    size = fs.fstatSync(fd).size;
  } catch (err) {
    throw new ParseError(file, {}, `cannot read file (${(err as Error).message})`, { cause: err });
  }
  return {
    size,
    read(offset, length, what) {
      if (!inside(offset, length, size)) throw outOfFile(file, offset, length, size, what);
      const out = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const n = fs.readSync(fd, out, done, length - done, offset + done);
        if (n === 0) throw outOfFile(file, offset, length, offset + done, what);
        done += n;
      }
      return out;
    },
    close() {
      fs.closeSync(fd);
    },
  };
}

type Ifd = Map<number, number[]>;

/** The directory of one page as the file lists it. */
interface PageEntry {
  ifd: Ifd;
  /** ImageDescription, kept for the first page only (where ImageJ and OME put theirs). */
  description?: string;
  reduced: boolean;
}

class Reader {
  constructor(
    readonly source: Source,
    readonly little: boolean,
    readonly big: boolean,
    readonly file: string,
  ) {}

  view(bytes: Uint8Array): DataView {
    return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  offset(dv: DataView, at: number, where: number): number {
    if (!this.big) return dv.getUint32(at, this.little);
    const v = dv.getBigUint64(at, this.little);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ParseError(this.file, { byteOffset: where }, `offset ${v} is too large`);
    return Number(v);
  }

  value(dv: DataView, type: number, o: number, where: number): number {
    switch (type) {
      case 1:
      case 7:
        return dv.getUint8(o);
      case 6:
        return dv.getInt8(o);
      case 3:
        return dv.getUint16(o, this.little);
      case 8:
        return dv.getInt16(o, this.little);
      case 4:
      case 13:
        return dv.getUint32(o, this.little);
      case 9:
        return dv.getInt32(o, this.little);
      case 16:
      case 18: {
        const v = dv.getBigUint64(o, this.little);
        if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ParseError(this.file, { byteOffset: where }, `value ${v} is too large`);
        return Number(v);
      }
      case 5:
        return dv.getUint32(o, this.little) / dv.getUint32(o + 4, this.little);
      case 10:
        return dv.getInt32(o, this.little) / dv.getInt32(o + 4, this.little);
      case 11:
        return dv.getFloat32(o, this.little);
      case 12:
        return dv.getFloat64(o, this.little);
      default:
        throw new ParseError(this.file, { byteOffset: where }, `numeric TIFF field of type ${type} is not supported`);
    }
  }

  /** One directory: the tags the reader uses, and the offset of the next directory. */
  ifd(offset: number, wantDescription: boolean): { entry: PageEntry; next: number } {
    const big = this.big;
    const countBytes = big ? 8 : 2;
    const entrySize = big ? 20 : 12;
    const head = this.view(this.source.read(offset, countBytes, "an image directory's entry count"));
    const count = big ? this.offset(head, 0, offset) : head.getUint16(0, this.little);
    const start = offset + countBytes;
    const nextBytes = big ? 8 : 4;
    const body = this.source.read(start, count * entrySize + nextBytes, `image directory with ${count} entries`);
    const dv = this.view(body);
    const ifd: Ifd = new Map();
    let description: string | undefined;
    for (let i = 0; i < count; i++) {
      const e = i * entrySize;
      const tag = dv.getUint16(e, this.little);
      const type = dv.getUint16(e + 2, this.little);
      const n = big ? this.offset(dv, e + 4, start + e) : dv.getUint32(e + 4, this.little);
      const size = TYPE_SIZE[type] ?? 0;
      if (!KNOWN_TAGS.has(tag) || size === 0) continue;
      const isText = type === 2 || type === 7;
      if (tag === TAG.description ? !(isText && wantDescription) : isText) continue;
      const inline = big ? 8 : 4;
      const bytes = n * size;
      const values =
        bytes <= inline
          ? body.subarray(e + (big ? 12 : 8), e + (big ? 12 : 8) + bytes)
          : this.source.read(this.offset(dv, e + (big ? 12 : 8), start + e), bytes, `values of TIFF tag ${tag}`);
      if (tag === TAG.description) {
        const end = values.indexOf(0);
        description = new TextDecoder("utf-8").decode(end >= 0 ? values.subarray(0, end) : values);
        continue;
      }
      const vv = this.view(values);
      const out = new Array<number>(n);
      for (let k = 0; k < n; k++) out[k] = this.value(vv, type, k * size, start + e);
      ifd.set(tag, out);
    }
    const next = this.offset(dv, count * entrySize, start + count * entrySize);
    const reduced = (one(ifd, TAG.newSubfileType, 0)! & 1) === 1 || one(ifd, TAG.subfileType, 1) === 2;
    return { entry: { ifd, description, reduced }, next };
  }
}

function one(ifd: Ifd, tag: number, fallback?: number): number | undefined {
  const v = ifd.get(tag);
  return v && v.length > 0 ? v[0] : fallback;
}

/** Opens the header and lists every page directory. */
function directories(source: Source, file: string): { reader: Reader; entries: PageEntry[] } {
  if (source.size < 8) throw new ParseError(file, { byteOffset: 0 }, `file has ${source.size} bytes, too short for a TIFF header`);
  const head = source.read(0, Math.min(16, source.size), "the TIFF header");
  const order = String.fromCharCode(head[0]!, head[1]!);
  if (order !== "II" && order !== "MM") {
    throw new ParseError(file, { byteOffset: 0 }, `not a TIFF file: expected "II" or "MM" at the start, found ${JSON.stringify(order)}`);
  }
  const little = order === "II";
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const version = dv.getUint16(2, little);
  if (version !== 42 && version !== 43)
    throw new ParseError(file, { byteOffset: 2 }, `not a TIFF file: expected version 42 (or 43 for BigTIFF), found ${version}`);
  const big = version === 43;
  if (big && head.length < 16)
    throw new ParseError(file, { byteOffset: 8 }, `file has ${source.size} bytes, too short for a BigTIFF header`);
  const reader = new Reader(source, little, big, file);
  let offset = reader.offset(dv, big ? 8 : 4, big ? 8 : 4);
  const entries: PageEntry[] = [];
  const seen = new Set<number>();
  while (offset !== 0) {
    if (seen.has(offset)) throw new ParseError(file, { byteOffset: offset }, "image directories form a loop");
    seen.add(offset);
    const { entry, next } = reader.ifd(offset, entries.length === 0);
    entries.push(entry);
    offset = next;
  }
  if (entries.length === 0) throw new ParseError(file, { byteOffset: big ? 8 : 4 }, "TIFF file holds no image");
  return { reader, entries };
}

/** A full-resolution page, checked and ready to decode. */
interface Page {
  /** Number among the full-resolution pages, for messages. */
  index: number;
  width: number;
  height: number;
  bits: number;
  format: TiffSampleFormat;
  /** Bytes per sample (0 for 1-bit). */
  bytes: number;
  compression: number;
  predictor: number;
  whiteIsZero: boolean;
  tiled: boolean;
  blockW: number;
  blockH: number;
  across: number;
  down: number;
  rowBytes: number;
  offsets: number[];
  counts: number[];
}

const SAMPLE_TYPES: Record<TiffSampleFormat, Record<number, new (n: number) => TiffPixels>> = {
  uint: { 8: Uint8Array, 16: Uint16Array, 32: Uint32Array },
  int: { 8: Int8Array, 16: Int16Array, 32: Int32Array },
  float: { 32: Float32Array, 64: Float64Array },
};

function pixelType(format: TiffSampleFormat, bits: number): (new (n: number) => TiffPixels) | undefined {
  return bits === 1 ? Uint8Array : SAMPLE_TYPES[format][bits];
}

function page(ifd: Ifd, index: number, file: string): Page {
  const where = `page ${index}`;
  const fail = (what: string): never => {
    throw new ParseError(file, {}, `${where}: ${what}`);
  };
  const width = one(ifd, TAG.width);
  const height = one(ifd, TAG.height);
  if (width === undefined || height === undefined) return fail("ImageWidth/ImageLength tag missing");
  if (!(Number.isSafeInteger(width) && width >= 1 && Number.isSafeInteger(height) && height >= 1))
    return fail(`image size ${width}x${height} is not a size`);
  const spp = one(ifd, TAG.samplesPerPixel, 1)!;
  if (spp !== 1) fail(`expected a grayscale image (1 sample per pixel), found ${spp} samples per pixel; convert the slices to grayscale`);
  const bits = one(ifd, TAG.bitsPerSample, 1)!;
  const formatCode = one(ifd, TAG.sampleFormat, 1)!;
  if (formatCode > 4 || formatCode < 1) fail(`SampleFormat ${formatCode} is not supported (1 unsigned, 2 signed, 3 float)`);
  const format: TiffSampleFormat = formatCode === 3 ? "float" : formatCode === 2 ? "int" : "uint";
  if (!pixelType(format, bits))
    fail(`${bits}-bit ${format} samples are not supported (supported: 1-bit, 8/16/32-bit integers, 32/64-bit floats)`);
  const tiled = ifd.has(TAG.tileOffsets);
  const blockW = tiled ? one(ifd, TAG.tileWidth) : width;
  const blockH = tiled ? one(ifd, TAG.tileLength) : Math.min(one(ifd, TAG.rowsPerStrip, height)!, height);
  if (!(Number.isSafeInteger(blockW) && blockW! >= 1 && Number.isSafeInteger(blockH) && blockH! >= 1)) {
    fail(`${tiled ? `tile size ${blockW}x${blockH}` : `RowsPerStrip ${blockH}`} is not a size`);
  }
  const offsets = ifd.get(tiled ? TAG.tileOffsets : TAG.stripOffsets);
  const counts = ifd.get(tiled ? TAG.tileByteCounts : TAG.stripByteCounts);
  if (!offsets) return fail("neither StripOffsets nor TileOffsets present");
  if (!counts || counts.length !== offsets.length) {
    return fail(`${tiled ? "TileByteCounts" : "StripByteCounts"} has ${counts?.length ?? 0} entries, expected ${offsets.length}`);
  }
  const across = Math.ceil(width / blockW!);
  const down = Math.ceil(height / blockH!);
  if (offsets.length < across * down) fail(`${offsets.length} ${tiled ? "tiles" : "strips"} for ${across * down} needed`);
  const bytes = bits === 1 ? 0 : bits / 8;
  const predictor = one(ifd, TAG.predictor, 1)!;
  if (predictor !== 1 && !((predictor === 2 && bits >= 8) || (predictor === 3 && format === "float"))) {
    fail(`predictor ${predictor} with ${bits}-bit ${format} samples is not supported`);
  }
  return {
    index,
    width,
    height,
    bits,
    format,
    bytes,
    compression: one(ifd, TAG.compression, 1)!,
    predictor,
    whiteIsZero: one(ifd, TAG.photometric, 1) === 0 && format === "uint",
    tiled,
    blockW: blockW!,
    blockH: blockH!,
    across,
    down,
    rowBytes: bits === 1 ? Math.ceil(blockW! / 8) : blockW! * bytes,
    offsets,
    counts,
  };
}

interface Rect {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/** The blocks of `p` that a window of rows and columns touches. */
function blocksIn(p: Page, r: Rect): number[] {
  const out: number[] = [];
  for (let by = Math.floor(r.y0 / p.blockH); by * p.blockH < r.y1; by++) {
    for (let bx = Math.floor(r.x0 / p.blockW); bx * p.blockW < r.x1; bx++) out.push(by * p.across + bx);
  }
  return out;
}

/** Rows held by block `b` (tiles are always full; the last strip may be short). */
function blockRows(p: Page, b: number): number {
  const by = Math.floor(b / p.across) * p.blockH;
  return p.tiled ? p.blockH : Math.min(p.blockH, p.height - by);
}

/**
 * Refuses blocks whose compressed size cannot hold what they must decode to,
 * before any pixel memory is allocated: a damaged count cannot ask for more
 * than the file could hold.
 */
function checkBlocks(p: Page, blocks: number[], file: string): void {
  const ratio = maxExpansion(p.compression);
  for (const b of blocks) {
    const expected = p.rowBytes * blockRows(p, b);
    const stored = p.counts[b]!;
    if (expected > stored * ratio + 64) {
      const kind = p.tiled ? "tile" : "strip";
      throw new ParseError(
        file,
        { byteOffset: p.offsets[b]! },
        `page ${p.index}: ${kind} ${b} stores ${stored} bytes of ${COMPRESSION_NAMES[p.compression] ?? `compression ${p.compression}`} data, which cannot decode to the ${expected} bytes it must hold`,
      );
    }
  }
}

/** Decodes block `b` of `p`: its rows in file byte order, predictor undone. */
function decodeBlock(source: Source, reader: Reader, p: Page, b: number, file: string): Uint8Array {
  const rows = blockRows(p, b);
  const expected = p.rowBytes * rows;
  const at = p.offsets[b]!;
  const kind = p.tiled ? "tile" : "strip";
  const stored = source.read(at, p.counts[b]!, `${kind} ${b} of page ${p.index}`);
  let block = decompress(p.compression, stored, expected, p.rowBytes * p.blockH, file, at);
  if (block.length < expected)
    throw new ParseError(file, { byteOffset: at }, `page ${p.index}: ${kind} ${b} decodes to ${block.length} bytes, expected ${expected}`);
  if (p.predictor !== 1) {
    // Predictors work in place; an uncompressed block may be a view of the caller's bytes.
    if (p.compression === 1) block = block.slice();
    if (p.predictor === 2) undoHorizontal(block, p.blockW, rows, p.bytes, reader.little);
    else undoFloatingPoint(block, p.blockW, rows, p.bytes, reader.little);
  }
  return block;
}

function readSample(view: DataView, o: number, format: TiffSampleFormat, bytes: number, little: boolean): number {
  if (format === "float") return bytes === 4 ? view.getFloat32(o, little) : view.getFloat64(o, little);
  if (format === "int") return bytes === 1 ? view.getInt8(o) : bytes === 2 ? view.getInt16(o, little) : view.getInt32(o, little);
  return bytes === 1 ? view.getUint8(o) : bytes === 2 ? view.getUint16(o, little) : view.getUint32(o, little);
}

/** Decodes the part `r` of page `p` into `out` at `base`, rows of `r.x1 - r.x0` pixels. */
function decodeInto(source: Source, reader: Reader, p: Page, r: Rect, out: TiffPixels, base: number, file: string): void {
  const blocks = blocksIn(p, r);
  checkBlocks(p, blocks, file);
  const w = r.x1 - r.x0;
  for (const b of blocks) {
    const block = decodeBlock(source, reader, p, b, file);
    const view = new DataView(block.buffer, block.byteOffset, block.byteLength);
    const bx = (b % p.across) * p.blockW;
    const by = Math.floor(b / p.across) * p.blockH;
    const xa = Math.max(bx, r.x0);
    const xb = Math.min(bx + p.blockW, r.x1, p.width);
    const ya = Math.max(by, r.y0);
    const yb = Math.min(by + blockRows(p, b), r.y1, p.height);
    for (let y = ya; y < yb; y++) {
      const dst = base + (y - r.y0) * w + (xa - r.x0);
      const src = (y - by) * p.rowBytes;
      if (p.bits === 1) {
        for (let x = xa; x < xb; x++) out[dst + x - xa] = (block[src + ((x - bx) >> 3)]! >> (7 - ((x - bx) & 7))) & 1;
      } else if (p.bytes === 1 && p.format === "uint") {
        (out as Uint8Array).set(block.subarray(src + (xa - bx), src + (xb - bx)), dst);
      } else {
        for (let x = xa; x < xb; x++) out[dst + x - xa] = readSample(view, src + (x - bx) * p.bytes, p.format, p.bytes, reader.little);
      }
    }
  }
  if (p.whiteIsZero) {
    // WhiteIsZero: store as the usual BlackIsZero so all slices compare alike.
    const max = p.bits === 1 ? 1 : 2 ** p.bits - 1;
    const end = base + w * (r.y1 - r.y0);
    for (let i = base; i < end; i++) out[i] = max - out[i]!;
  }
}

function decodePage(source: Source, reader: Reader, p: Page, file: string): TiffImage {
  const whole = { x0: 0, x1: p.width, y0: 0, y1: p.height };
  checkBlocks(p, blocksIn(p, whole), file);
  const data = new (pixelType(p.format, p.bits)!)(p.width * p.height);
  decodeInto(source, reader, p, whole, data, 0, file);
  return { width: p.width, height: p.height, bitsPerSample: p.bits, sampleFormat: p.format, data };
}

/**
 * ImageJ writes stacks beyond 4 GiB with only the first directory; the other
 * images follow the first one's data without gaps. Their pages are the
 * first page moved by one image's size each.
 */
function contiguousPages(first: Page, images: number, size: number): Page[] {
  const imageBytes = first.counts.reduce((s, c) => s + c, 0);
  const contiguous =
    first.compression === 1 && first.offsets.every((o, i) => i === 0 || o === first.offsets[i - 1]! + first.counts[i - 1]!);
  if (!contiguous || first.offsets[0]! + images * imageBytes > size) return [first];
  return Array.from({ length: images }, (_, k) => ({ ...first, index: k, offsets: first.offsets.map((o) => o + k * imageBytes) }));
}

interface Parsed {
  reader: Reader;
  pages: Page[];
  description?: string;
  resolution: TiffResolution;
  findings: TiffFinding[];
}

function parse(source: Source, file: string): Parsed {
  const { reader, entries } = directories(source, file);
  const full = entries.filter((e) => !e.reduced);
  const findings: TiffFinding[] = [];
  const skipped = entries.length - full.length;
  if (skipped > 0) {
    findings.push({
      kind: "reduced-resolution",
      message: `${file}: ${skipped} reduced-resolution page${skipped > 1 ? "s" : ""} (thumbnails or pyramid levels, NewSubfileType bit 0) skipped`,
    });
  }
  if (full.length === 0)
    throw new ParseError(file, {}, `the TIFF holds only reduced-resolution pages (${entries.length}), no full-resolution image`);
  let pages = full.map((e, i) => page(e.ifd, i, file));
  const description = entries[0]!.description;
  const images = imagejImages(description);
  if (pages.length === 1 && images !== undefined && images > 1) pages = contiguousPages(pages[0]!, images, source.size);
  const first = entries[0]!.ifd;
  const resolution = { x: one(first, TAG.xResolution), y: one(first, TAG.yResolution), unit: one(first, TAG.resolutionUnit) };
  return { reader, pages, description, resolution, findings };
}

function allPages(source: Source, file: string): TiffImage[] {
  const parsed = parse(source, file);
  for (const f of parsed.findings) warnOnce(f.message);
  return parsed.pages.map((p) => decodePage(source, parsed.reader, p, file));
}

/** All full-resolution pages of a TIFF file held in memory. `file` names it in errors. */
export function readTiff(bytes: Uint8Array, file = "<tiff>"): TiffImage[] {
  return allPages(memorySource(bytes, file), file);
}

/** Reads every full-resolution page of a TIFF file from disk (a block at a time, through a file handle). */
export function readTiffFile(file: string): TiffImage[] {
  const source = fileSource(file);
  try {
    return allPages(source, file);
  } finally {
    source.close();
  }
}

function range(what: string, r: [number, number] | undefined, size: number, file: string): [number, number] {
  const [a, b] = r ?? [0, size];
  if (!(Number.isInteger(a) && Number.isInteger(b) && a >= 0 && b <= size && a < b)) {
    throw new ConfigError(`${file}: ${what} window [${a}, ${b}) is not inside [0, ${size})`);
  }
  return [a, b];
}

/**
 * Opens a TIFF stack from a file (read through a handle; close() releases
 * it) or from bytes in memory, reading only its directories.
 */
export function openTiff(input: string | Uint8Array, file = typeof input === "string" ? input : "<tiff>"): TiffStack {
  const source = typeof input === "string" ? fileSource(input) : memorySource(input, file);
  let parsed: Parsed;
  try {
    parsed = parse(source, file);
  } catch (err) {
    source.close();
    throw err;
  }
  const { reader, pages } = parsed;
  const first = pages[0]!;
  const meta = stackMetadata(parsed.description, parsed.resolution, pages.length);
  const { layout } = meta;
  const matching = (p: Page): Page => {
    if (p.width !== first.width || p.height !== first.height || p.bits !== first.bits || p.format !== first.format) {
      throw new ParseError(
        file,
        {},
        `page ${p.index} is ${p.width}x${p.height} ${p.bits}-bit ${p.format}, expected ${first.width}x${first.height} ${first.bits}-bit ${first.format} like page 0`,
      );
    }
    return p;
  };
  return {
    file,
    width: first.width,
    height: first.height,
    bitsPerSample: first.bits,
    sampleFormat: first.format,
    pages: pages.length,
    channels: layout.channels,
    slices: layout.slices,
    frames: layout.frames,
    spacing: meta.spacing,
    findings: [...parsed.findings, ...meta.findings],
    page(index) {
      const [i] = range("page", [index, index + 1], pages.length, file);
      return decodePage(source, reader, pages[i]!, file);
    },
    read(window: TiffWindow = {}) {
      const [z0, z1] = range("z", window.z, layout.slices, file);
      const [y0, y1] = range("y", window.y, first.height, file);
      const [x0, x1] = range("x", window.x, first.width, file);
      const [c] = range("channel", [window.channel ?? 0, (window.channel ?? 0) + 1], layout.channels, file);
      const [t] = range("frame", [window.frame ?? 0, (window.frame ?? 0) + 1], layout.frames, file);
      const rect = { x0, x1, y0, y1 };
      const chosen = Array.from({ length: z1 - z0 }, (_, k) => matching(pages[layout.pageOf(c, z0 + k, t)]!));
      for (const p of chosen) checkBlocks(p, blocksIn(p, rect), file);
      const plane = (x1 - x0) * (y1 - y0);
      const data = new (pixelType(first.format, first.bits)!)(plane * chosen.length);
      chosen.forEach((p, k) => decodeInto(source, reader, p, rect, data, k * plane, file));
      return { width: x1 - x0, height: y1 - y0, depth: chosen.length, bitsPerSample: first.bits, sampleFormat: first.format, data };
    },
    close: () => source.close(),
  };
}

/** A window of a TIFF stack file: opens, reads and closes. */
export function readTiffWindow(file: string, window: TiffWindow = {}): TiffVolume {
  const stack = openTiff(file);
  try {
    return stack.read(window);
  } finally {
    stack.close();
  }
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
    if (data.length !== width * height)
      throw new RangeError(`writeTiff: ${width}x${height} image needs ${width * height} pixels, found ${data.length}`);
    const bytesPer = data.BYTES_PER_ELEMENT;
    const raw = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    const body = code === 8 ? new Uint8Array(zlib.deflateSync(raw)) : code === 32773 ? encodePackBits(raw) : raw;
    const format =
      data instanceof Float32Array || data instanceof Float64Array
        ? 3
        : data instanceof Int8Array || data instanceof Int16Array || data instanceof Int32Array
          ? 2
          : 1;
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
  writeFileAtomic(file, writeTiff(images, options));
}
