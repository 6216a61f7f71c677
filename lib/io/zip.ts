import * as zlib from "node:zlib";
import { ParseError, WorkbenchError } from "../core";

/**
 * Zip archives as written by PyTorch (torch.save), numpy (np.savez) and
 * Python's zipfile: stored and deflated members, zip64 records, CRC-checked.
 * The central directory is the authority for names and sizes (local headers may
 * carry placeholder sizes or a data descriptor).
 */

/** How a member's bytes are stored. */
export type ZipMethod = "stored" | "deflate";

/** One member as listed in the central directory. */
export interface ZipEntry {
  name: string;
  method: ZipMethod;
  /** Uncompressed size in bytes. */
  size: number;
  compressedSize: number;
  crc32: number;
  /** Byte offset of the member's local header. */
  headerOffset: number;
}

/** A parsed archive: the listing plus lazy, CRC-checked access to each member. */
export interface ZipArchive {
  /** The file name used in error messages. */
  file: string;
  entries: ZipEntry[];
  has(name: string): boolean;
  /** The member's uncompressed bytes (a view into the archive when stored). */
  read(name: string): Uint8Array;
}

/** A member to write. */
export interface ZipInput {
  name: string;
  data: Uint8Array;
}

export interface WriteZipOptions {
  /** Deflate members (default false: stored, which is what torch.save writes). */
  compress?: boolean;
  /**
   * Start each member's data at a multiple of this many bytes by padding the
   * local header's extra field (torch.save uses 64 so storages can be mapped
   * in place). Default 1 (no padding).
   */
  align?: number;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_EOCD64_LOCATOR = 0x07064b50;
const EXTRA_ZIP64 = 0x0001;
const U16_MAX = 0xffff;
const U32_MAX = 0xffffffff;

/**
 * Deflate expands at most 1032 times: a member (or gzip stream) that claims
 * more is lying, and inflating is capped there, so no header can make a
 * reader allocate beyond what the file's size allows.
 */
export const DEFLATE_MAX_RATIO = 1032;

/** CRC-32 (the zip/gzip polynomial) of `data`. */
export function crc32(data: Uint8Array): number {
  return zlib.crc32(data) >>> 0;
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function u64(dv: DataView, at: number, file: string): number {
  const v = dv.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ParseError(file, { byteOffset: at }, `64-bit size or offset ${v} is too large`);
  }
  return Number(v);
}

function findEocd(bytes: Uint8Array, dv: DataView, file: string): number {
  // The end record is 22 bytes plus a comment of at most 65535 bytes.
  const lowest = Math.max(0, bytes.length - 22 - U16_MAX);
  for (let at = bytes.length - 22; at >= lowest; at--) {
    if (dv.getUint32(at, true) === SIG_EOCD) return at;
  }
  throw new ParseError(
    file,
    { byteOffset: Math.max(0, bytes.length - 22) },
    `not a zip archive: no end-of-central-directory record in the last ${bytes.length - lowest} bytes`,
  );
}

function need(bytes: Uint8Array, at: number, length: number, file: string, what: string): void {
  if (at < 0 || at + length > bytes.length) {
    throw new ParseError(
      file,
      { byteOffset: at },
      `truncated: ${what} needs ${length} bytes at offset ${at}, the file has ${bytes.length}`,
    );
  }
}

/** Parses the central directory of `bytes`; members are decoded when read. */
export function readZip(bytes: Uint8Array, file = "<zip>"): ZipArchive {
  const dv = view(bytes);
  if (bytes.length < 22) {
    throw new ParseError(file, { byteOffset: 0 }, `not a zip archive: ${bytes.length} bytes is shorter than an end record (22)`);
  }
  const eocd = findEocd(bytes, dv, file);
  let count = dv.getUint16(eocd + 10, true);
  let cdSize = dv.getUint32(eocd + 12, true);
  let cdOffset = dv.getUint32(eocd + 16, true);
  const locator = eocd - 20;
  if (locator >= 0 && dv.getUint32(locator, true) === SIG_EOCD64_LOCATOR) {
    const eocd64 = u64(dv, locator + 8, file);
    need(bytes, eocd64, 56, file, "zip64 end record");
    if (dv.getUint32(eocd64, true) !== SIG_EOCD64) {
      throw new ParseError(file, { byteOffset: eocd64 }, "expected a zip64 end-of-central-directory record (PK\\6\\6)");
    }
    count = u64(dv, eocd64 + 32, file);
    cdSize = u64(dv, eocd64 + 40, file);
    cdOffset = u64(dv, eocd64 + 48, file);
  }
  need(bytes, cdOffset, cdSize, file, "central directory");

  const entries: ZipEntry[] = [];
  const byName = new Map<string, ZipEntry>();
  let at = cdOffset;
  for (let i = 0; i < count; i++) {
    need(bytes, at, 46, file, `central directory entry ${i}`);
    if (dv.getUint32(at, true) !== SIG_CENTRAL) {
      throw new ParseError(
        file,
        { byteOffset: at },
        `central directory entry ${i}: bad signature 0x${dv.getUint32(at, true).toString(16)}`,
      );
    }
    const flags = dv.getUint16(at + 8, true);
    const methodCode = dv.getUint16(at + 10, true);
    const crc = dv.getUint32(at + 16, true);
    let compressedSize = dv.getUint32(at + 20, true);
    let size = dv.getUint32(at + 24, true);
    const nameLength = dv.getUint16(at + 28, true);
    const extraLength = dv.getUint16(at + 30, true);
    const commentLength = dv.getUint16(at + 32, true);
    let headerOffset = dv.getUint32(at + 42, true);
    need(bytes, at + 46, nameLength + extraLength + commentLength, file, `central directory entry ${i}`);
    const name = new TextDecoder(flags & 0x800 ? "utf-8" : "latin1").decode(bytes.subarray(at + 46, at + 46 + nameLength));
    // A zip64 extra field holds, in this order, only the fields whose 32-bit slot is saturated.
    let extra = at + 46 + nameLength;
    const extraEnd = extra + extraLength;
    while (extra + 4 <= extraEnd) {
      const id = dv.getUint16(extra, true);
      const len = dv.getUint16(extra + 2, true);
      if (id === EXTRA_ZIP64) {
        let p = extra + 4;
        if (size === U32_MAX) {
          size = u64(dv, p, file);
          p += 8;
        }
        if (compressedSize === U32_MAX) {
          compressedSize = u64(dv, p, file);
          p += 8;
        }
        if (headerOffset === U32_MAX) headerOffset = u64(dv, p, file);
      }
      extra += 4 + len;
    }
    if (flags & 0x1) {
      throw new ParseError(file, { byteOffset: at }, `member ${JSON.stringify(name)} is encrypted; encrypted zips are not supported`);
    }
    let method: ZipMethod;
    if (methodCode === 0) method = "stored";
    else if (methodCode === 8) method = "deflate";
    else {
      throw new ParseError(
        file,
        { byteOffset: at + 10 },
        `member ${JSON.stringify(name)}: compression method ${methodCode} is not supported (expected 0 stored or 8 deflate)`,
      );
    }
    const entry: ZipEntry = { name, method, size, compressedSize, crc32: crc, headerOffset };
    entries.push(entry);
    byName.set(name, entry);
    at += 46 + nameLength + extraLength + commentLength;
  }

  function read(name: string): Uint8Array {
    const entry = byName.get(name);
    if (!entry) {
      throw new ParseError(
        file,
        {},
        `no member ${JSON.stringify(name)} in the archive (it has ${entries.length}: ${entries
          .slice(0, 8)
          .map((e) => e.name)
          .join(", ")}${entries.length > 8 ? ", …" : ""})`,
      );
    }
    const h = entry.headerOffset;
    need(bytes, h, 30, file, `local header of ${JSON.stringify(name)}`);
    if (dv.getUint32(h, true) !== SIG_LOCAL) {
      throw new ParseError(file, { byteOffset: h }, `member ${JSON.stringify(name)}: bad local header signature`);
    }
    const start = h + 30 + dv.getUint16(h + 26, true) + dv.getUint16(h + 28, true);
    need(bytes, start, entry.compressedSize, file, `data of ${JSON.stringify(name)}`);
    // Plain Uint8Array views, even when the caller passed a Node Buffer.
    const raw = new Uint8Array(bytes.buffer, bytes.byteOffset + start, entry.compressedSize);
    let data: Uint8Array;
    if (entry.method === "stored") {
      data = raw;
    } else {
      if (entry.size > entry.compressedSize * DEFLATE_MAX_RATIO + 64) {
        throw new ParseError(
          file,
          { byteOffset: start },
          `member ${JSON.stringify(name)}: ${entry.compressedSize} deflated bytes cannot hold the ${entry.size} bytes the directory claims`,
        );
      }
      try {
        const inflated = zlib.inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.size) });
        data = new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.length);
      } catch (cause) {
        throw new ParseError(
          file,
          { byteOffset: start },
          `member ${JSON.stringify(name)}: corrupt deflate data (${(cause as Error).message})`,
          { cause },
        );
      }
    }
    if (data.length !== entry.size) {
      throw new ParseError(
        file,
        { byteOffset: start },
        `member ${JSON.stringify(name)}: expected ${entry.size} bytes after decompression, found ${data.length}`,
      );
    }
    const crc = crc32(data);
    if (crc !== entry.crc32) {
      throw new ParseError(
        file,
        { byteOffset: start },
        `member ${JSON.stringify(name)}: CRC-32 mismatch (directory says 0x${entry.crc32.toString(16).padStart(8, "0")}, data gives 0x${crc.toString(16).padStart(8, "0")}); the file is corrupt`,
      );
    }
    return data;
  }

  return { file, entries, has: (name) => byName.has(name), read };
}

/**
 * Writes a zip archive (no zip64: members and the archive must stay under
 * 4 GiB, which a single Uint8Array in practice does).
 */
export function writeZip(inputs: ZipInput[], options: WriteZipOptions = {}): Uint8Array {
  const compress = options.compress ?? false;
  const align = options.align ?? 1;
  if (!Number.isInteger(align) || align < 1 || align > 4096) {
    throw new WorkbenchError(`writeZip: align must be an integer in [1, 4096]; found ${align}`);
  }
  if (inputs.length > U16_MAX) {
    throw new WorkbenchError(`writeZip: ${inputs.length} members is more than a zip without zip64 holds (65535)`);
  }
  const seen = new Set<string>();
  const chunks: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  const encoder = new TextEncoder();
  for (const input of inputs) {
    if (seen.has(input.name)) throw new WorkbenchError(`writeZip: duplicate member name ${JSON.stringify(input.name)}`);
    seen.add(input.name);
    const name = encoder.encode(input.name);
    const crc = crc32(input.data);
    const body = compress ? new Uint8Array(zlib.deflateRawSync(input.data)) : input.data;
    const method = compress ? 8 : 0;
    // Padding goes in an extra field with a private id, the way torch.save does it.
    let pad = 0;
    if (align > 1) {
      const dataStart = offset + 30 + name.length;
      pad = (align - (dataStart % align)) % align;
      if (pad > 0 && pad < 4) pad += align;
    }
    const local = new Uint8Array(30 + name.length + pad);
    const l = view(local);
    l.setUint32(0, SIG_LOCAL, true);
    l.setUint16(4, 20, true);
    l.setUint16(6, 0x800, true);
    l.setUint16(8, method, true);
    l.setUint32(14, crc, true);
    l.setUint32(18, body.length, true);
    l.setUint32(22, input.data.length, true);
    l.setUint16(26, name.length, true);
    l.setUint16(28, pad, true);
    local.set(name, 30);
    if (pad > 0) {
      l.setUint16(30 + name.length, 0x4246, true); // "FB", as in torch.save
      l.setUint16(32 + name.length, pad - 4, true);
    }
    const c = new Uint8Array(46 + name.length);
    const cv = view(c);
    cv.setUint32(0, SIG_CENTRAL, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(8, 0x800, true);
    cv.setUint16(10, method, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, body.length, true);
    cv.setUint32(24, input.data.length, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    c.set(name, 46);
    chunks.push(local, body);
    central.push(c);
    offset += local.length + body.length;
    if (offset > U32_MAX) throw new WorkbenchError("writeZip: the archive would exceed 4 GiB, which needs zip64 (not written here)");
  }
  const cdSize = central.reduce((s, c) => s + c.length, 0);
  const end = new Uint8Array(22);
  const ev = view(end);
  ev.setUint32(0, SIG_EOCD, true);
  ev.setUint16(8, inputs.length, true);
  ev.setUint16(10, inputs.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  const out = new Uint8Array(offset + cdSize + 22);
  let p = 0;
  for (const part of [...chunks, ...central, end]) {
    out.set(part, p);
    p += part.length;
  }
  return out;
}
