import * as zlib from "node:zlib";
import { ParseError } from "../core";
import { DEFLATE_MAX_RATIO } from "./zip";

/**
 * The decoders of one TIFF strip or tile: decompression (none, PackBits,
 * LZW, Deflate) and the horizontal and floating-point predictors.
 */

export const COMPRESSION_NAMES: Record<number, string> = {
  1: "none",
  5: "LZW",
  8: "Deflate",
  32946: "Deflate (old code)",
  32773: "PackBits",
};

/**
 * The most bytes one compressed byte can decode to: Deflate 1032, PackBits
 * 64 (two bytes give a run of 128), LZW below 2600 (a 12-bit code stands for
 * at most 3839 bytes). A block that claims to decode to more than its
 * compressed size allows is damaged, and is refused before anything is
 * allocated for it.
 */
export function maxExpansion(compression: number): number {
  switch (compression) {
    case 1:
      return 1;
    case 32773:
      return 64;
    case 5:
      return 2600;
    default:
      return DEFLATE_MAX_RATIO;
  }
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
  const emit = (code: number): void => {
    const len = length[code]!;
    let c = code;
    for (let k = len - 1; k >= 0; k--) {
      if (o + k < expected) out[o + k] = suffix[c]!;
      c = prefix[c]!;
    }
    o += len;
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

/**
 * One block's bytes, decompressed: at least `expected` bytes, and never more
 * than `most` (a full block; the last strip of a page may be stored whole).
 */
export function decompress(compression: number, src: Uint8Array, expected: number, most: number, file: string, at: number): Uint8Array {
  switch (compression) {
    case 1:
      if (src.length < expected)
        throw new ParseError(file, { byteOffset: at }, `uncompressed block has ${src.length} bytes, expected ${expected}`);
      return src.subarray(0, expected);
    case 5:
      return decodeLzw(src, expected, file, at);
    case 8:
    case 32946:
      try {
        return zlib.inflateSync(src, { maxOutputLength: Math.max(1, most) });
      } catch (err) {
        throw new ParseError(
          file,
          { byteOffset: at },
          `Deflate data could not be inflated to at most ${most} bytes (${(err as Error).message})`,
          { cause: err },
        );
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
export function undoHorizontal(block: Uint8Array, cols: number, rows: number, bytes: number, little: boolean): void {
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
export function undoFloatingPoint(block: Uint8Array, cols: number, rows: number, bytes: number, little: boolean): void {
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
