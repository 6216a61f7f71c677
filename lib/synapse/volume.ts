import { ParseError } from "../core";
import { readNiftiFile, readTiffFile } from "../io";
import type { TiffPixels } from "../io";

export type VoxelArray = TiffPixels;

/**
 * A 3-D stack of slices: `data[(z * height + y) * width + x]`. Slice files
 * are z, their rows y and columns x, so synapse coordinates (x, y, z) index
 * it directly (0-based, as in the original tables).
 */
export interface Volume {
  width: number;
  height: number;
  depth: number;
  data: VoxelArray;
  /** Where the voxels came from, for messages. */
  source: string;
}

/** Index of (x, y, z) in a Volume's data: z-major, x fastest (lib/voxel's grids are the other way round: voxelIndex). */
export function volumeIndex(v: Volume, x: number, y: number, z: number): number {
  return (z * v.height + y) * v.width + x;
}

export function inside(v: Volume, x: number, y: number, z: number): boolean {
  return x >= 0 && y >= 0 && z >= 0 && x < v.width && y < v.height && z < v.depth;
}

/** Number in a slice file name (`slice_0012.tif` → 12) for natural ordering. */
function sliceNumber(name: string): number {
  const m = /(\d+)(?!.*\d)/.exec(name);
  return m ? Number(m[1]) : Number.NaN;
}

/** Orders slice files by the last number in their names, then by name. */
export function sortSliceFiles(names: string[]): string[] {
  return [...names].sort((a, b) => {
    const na = sliceNumber(a);
    const nb = sliceNumber(b);
    if (Number.isFinite(na) && Number.isFinite(nb) && na !== nb) return na - nb;
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

/**
 * Stacks TIFF slice files (in the given order) into a volume. A single file
 * with several pages is a stack by itself. Every slice must have the size and
 * pixel type of the first one.
 */
export function stackTiffSlices(files: string[], source: string): Volume {
  if (files.length === 0) throw new ParseError(source, {}, "no slice files found");
  const multiPage = files.length === 1 ? readTiffFile(files[0]!) : null;
  const depth = multiPage ? multiPage.length : files.length;
  const sliceAt = (z: number) => (multiPage ? { f: files[0]!, page: multiPage[z]! } : { f: files[z]!, page: readTiffFile(files[z]!)[0]! });
  const first = sliceAt(0);
  const { width, height } = first.page;
  const plane = width * height;
  // Slices are read one at a time into the stack so a box needs its size in memory once.
  const Ctor = first.page.data.constructor as new (n: number) => VoxelArray;
  const data = new Ctor(plane * depth);
  for (let z = 0; z < depth; z++) {
    const { f, page } = z === 0 ? first : sliceAt(z);
    if (page.width !== width || page.height !== height) {
      throw new ParseError(f, {}, `slice is ${page.width}x${page.height}, expected ${width}x${height} like ${first.f}`);
    }
    if (page.data.constructor !== Ctor) {
      throw new ParseError(
        f,
        {},
        `slice holds ${page.bitsPerSample}-bit ${page.sampleFormat} pixels, expected ${first.page.bitsPerSample}-bit ${first.page.sampleFormat} like ${first.f}`,
      );
    }
    data.set(page.data, z * plane);
  }
  return { width, height, depth, data, source };
}

/** A NIfTI file as a volume (NIfTI stores x fastest, like Volume). */
export async function niftiVolume(file: string): Promise<Volume> {
  const v = await readNiftiFile(file);
  return { width: v.dims[0], height: v.dims[1], depth: v.dims[2], data: v.data, source: file };
}

/**
 * The intensity range that maps raw voxels to [0, 1]: the full range of
 * unsigned integer types (so crops of one box compare alike), the observed
 * range for signed and float data.
 */
export function intensityRange(v: Volume): [number, number] {
  if (v.data instanceof Uint8Array) return [0, 255];
  if (v.data instanceof Uint16Array) return [0, 65535];
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < v.data.length; i++) {
    const x = v.data[i]!;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return hi > lo ? [lo, hi] : [lo, lo + 1];
}
