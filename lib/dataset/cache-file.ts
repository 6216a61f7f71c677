import * as fs from "node:fs";
import * as zlib from "node:zlib";
import { ParseError } from "../core";
import { packBits, unpackBits, type VoxelArray } from "../voxel";

/**
 * One cached occupancy grid: a 16-byte header, then the grid bit-packed
 * (numpy packbits order) and deflated. A sparse 128³ neuron is tens of KiB
 * instead of 2 MiB, and decoding it takes about a millisecond.
 *
 * Header (little endian): "NVX1", u16 size, u16 reserved, u32 occupied voxels,
 * u32 payload bytes.
 */
const MAGIC = 0x3158564e; // "NVX1"
const HEADER = 16;

export function encodeGrid(data: Uint8Array, size: number, occupied: number): Uint8Array {
  const payload = zlib.deflateRawSync(packBits(data), { level: 1 });
  const out = new Uint8Array(HEADER + payload.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, MAGIC, true);
  dv.setUint16(4, size, true);
  dv.setUint32(8, occupied, true);
  dv.setUint32(12, payload.length, true);
  out.set(payload, HEADER);
  return out;
}

function checkHeader(bytes: Uint8Array, size: number, file: string): number {
  if (bytes.length < HEADER)
    throw new ParseError(
      file,
      { byteOffset: 0 },
      `cache file is ${bytes.length} bytes, shorter than its header; delete it and rebuild the cache`,
    );
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(0, true) !== MAGIC) throw new ParseError(file, { byteOffset: 0 }, "not a voxel cache file (expected NVX1)");
  const s = dv.getUint16(4, true);
  if (s !== size) throw new ParseError(file, { byteOffset: 4 }, `holds a ${s}³ grid, expected ${size}³`);
  const len = dv.getUint32(12, true);
  if (bytes.length !== HEADER + len) {
    throw new ParseError(
      file,
      { byteOffset: 12 },
      `payload should be ${len} bytes, found ${bytes.length - HEADER} (interrupted write?); delete it and rebuild the cache`,
    );
  }
  return len;
}

/** The packed grid, inflated no further than the grid's size, so a damaged payload cannot ask for more. */
function packedBytes(size: number): number {
  return (size * size * size + 7) >> 3;
}

function unpack<T extends VoxelArray>(packed: Buffer | null, err: Error | null, size: number, file: string, out?: T): T {
  if (err || !packed || packed.length !== packedBytes(size)) {
    const found = err ? `corrupt (${err.message})` : `${packed?.length ?? 0} bytes`;
    throw new ParseError(
      file,
      { byteOffset: HEADER },
      `payload should inflate to ${packedBytes(size)} bytes, found ${found}; delete it and rebuild the cache`,
      { cause: err ?? undefined },
    );
  }
  return unpackBits<T>(packed, size * size * size, out);
}

/** The grid of a cache file's bytes, 0/1; into `out` (bytes or floats) when given. */
export function decodeGrid<T extends VoxelArray = Uint8Array>(bytes: Uint8Array, size: number, file: string, out?: T): T {
  checkHeader(bytes, size, file);
  let packed: Buffer | null = null;
  let err: Error | null = null;
  try {
    packed = zlib.inflateRawSync(bytes.subarray(HEADER), { maxOutputLength: packedBytes(size) });
  } catch (e) {
    err = e as Error;
  }
  return unpack(packed, err, size, file, out);
}

export async function decodeGridAsync<T extends VoxelArray = Uint8Array>(
  bytes: Uint8Array,
  size: number,
  file: string,
  out?: T,
): Promise<T> {
  checkHeader(bytes, size, file);
  // Inflating on libuv's thread pool lets several grids decode while the caller computes.
  const [packed, err] = await new Promise<[Buffer | null, Error | null]>((resolve) =>
    zlib.inflateRaw(bytes.subarray(HEADER), { maxOutputLength: packedBytes(size) }, (e, res) => resolve([e ? null : res, e])),
  );
  return unpack(packed, err, size, file, out);
}

/** Whether a complete cache file exists (the header's length matches the file's). */
export function isCompleteCacheFile(file: string, size: number): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch {
    return false;
  }
  try {
    const head = new Uint8Array(HEADER);
    if (fs.readSync(fd, head, 0, HEADER, 0) !== HEADER) return false;
    const dv = new DataView(head.buffer);
    return dv.getUint32(0, true) === MAGIC && dv.getUint16(4, true) === size && fs.fstatSync(fd).size === HEADER + dv.getUint32(12, true);
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes beside the target and renames, so a stopped build never leaves a half file under the real name. */
export function writeCacheFile(file: string, bytes: Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, bytes);
  fs.renameSync(tmp, file);
}
