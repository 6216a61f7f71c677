import * as fs from "node:fs";
import * as zlib from "node:zlib";
import { MissingDependencyError, ParseError } from "../core";
import { DEFLATE_MAX_RATIO } from "./zip";

type NiftiModule = typeof import("nifti-reader-js");

/** A NIfTI volume: `data[x + nx * (y + ny * z)]`, as the format stores it. */
export interface NiftiVolume {
  /** Extent along x, y, z (a fourth dimension must be 1). */
  dims: [number, number, number];
  /** Voxel size along x, y, z in the header's units. */
  voxelSize: [number, number, number];
  data: Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;
  /** NIfTI datatype code (2 uint8, 4 int16, 8 int32, 16 float32, 64 float64, 256 int8, 512 uint16, 768 uint32). */
  datatypeCode: number;
  /** Intensity scaling from the header (applied by callers when they want physical values). */
  slope: number;
  intercept: number;
}

let loaded: Promise<NiftiModule> | null = null;

/**
 * nifti-reader-js ships only as an ES module; a plain `import()` would be
 * rewritten into `require` by CommonJS transpilers (tslab, tsc), so the import
 * is built at run time.
 */
function niftiModule(): Promise<NiftiModule> {
  if (!loaded) {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the one way to a real import() through those transpilers
    const dynamicImport = new Function("specifier", "return import(specifier)") as (s: string) => Promise<NiftiModule>;
    loaded = dynamicImport("nifti-reader-js").catch((err: unknown) => {
      loaded = null;
      throw new MissingDependencyError(
        `reading NIfTI needs the package nifti-reader-js (npm install nifti-reader-js@0.8.0): ${(err as Error).message}`,
        { cause: err },
      );
    });
  }
  return loaded;
}

const DATATYPES: Record<number, new (buffer: ArrayBuffer) => NiftiVolume["data"]> = {
  2: Uint8Array,
  256: Int8Array,
  4: Int16Array,
  512: Uint16Array,
  8: Int32Array,
  768: Uint32Array,
  16: Float32Array,
  64: Float64Array,
};

function typed(code: number, bits: number, buffer: ArrayBuffer, file: string): NiftiVolume["data"] {
  const Ctor = DATATYPES[code];
  if (!Ctor)
    throw new ParseError(
      file,
      { byteOffset: 70 },
      `NIfTI datatype ${code} is not supported (supported: uint8, int8, int16, uint16, int32, uint32, float32, float64)`,
    );
  const bytes = (Ctor as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  if (bits !== bytes * 8)
    throw new ParseError(file, { byteOffset: 72 }, `datatype ${code} has ${bytes * 8} bits per voxel, the header says ${bits}`);
  return new Ctor(buffer);
}

/** Inflates a .nii.gz no further than Deflate's ratio allows for its size. */
function gunzip(bytes: Uint8Array, file: string): ArrayBuffer {
  let out: Buffer;
  try {
    out = zlib.gunzipSync(bytes, { maxOutputLength: Math.min(2 ** 31 - 1, bytes.length * DEFLATE_MAX_RATIO + 65536) });
  } catch (err) {
    throw new ParseError(file, { byteOffset: 0 }, `gzip data could not be decompressed (${(err as Error).message})`, { cause: err });
  }
  return out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength) as ArrayBuffer;
}

/** Reads a .nii or .nii.gz held in memory. `file` names it in errors. */
export async function readNifti(bytes: Uint8Array, file = "<nifti>"): Promise<NiftiVolume> {
  const nifti = await niftiModule();
  const gzipped = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  const buffer = gzipped ? gunzip(bytes, file) : (bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  // nifti-reader-js throws plain Errors and RangeErrors on damaged headers; they become ParseErrors naming the file.
  const library = <T>(what: string, fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      throw new ParseError(file, { byteOffset: 0 }, `${what} (${(err as Error).message})`, { cause: err });
    }
  };
  if (!library("not a NIfTI file", () => nifti.isNIFTI(buffer)))
    throw new ParseError(file, { byteOffset: 344 }, 'not a NIfTI-1/NIfTI-2 file: magic "n+1"/"n+2" not found');
  const header = library("NIfTI header could not be read", () => nifti.readHeader(buffer));
  const [rank, nx = 1, ny = 1, nz = 1, nt = 1] = header.dims;
  if (!(rank! >= 1 && rank! <= 4) || nt !== 1 || ![nx, ny, nz].every((d) => Number.isInteger(d) && d >= 1)) {
    throw new ParseError(file, { byteOffset: 40 }, `expected a 3-D volume, found dims ${JSON.stringify(header.dims.slice(0, 5))}`);
  }
  const bits = header.numBitsPerVoxel;
  if (!(bits > 0 && bits % 8 === 0) || !(Number.isInteger(header.vox_offset) && header.vox_offset >= 0)) {
    throw new ParseError(file, { byteOffset: 72 }, `bits per voxel ${bits} and data offset ${header.vox_offset} do not describe an image`);
  }
  const voxels = nx * ny * nz;
  const need = header.vox_offset + (voxels * bits) / 8;
  if (buffer.byteLength < need)
    throw new ParseError(
      file,
      { byteOffset: buffer.byteLength },
      `image needs ${need} bytes (${nx}x${ny}x${nz} voxels of ${bits} bits) but the file has ${buffer.byteLength}`,
    );
  const image = library("NIfTI image could not be read", () => nifti.readImage(header, buffer)).slice(0);
  if (!header.littleEndian && bits > 8) {
    const bytesPer = bits / 8;
    const u8 = new Uint8Array(image);
    for (let i = 0; i + bytesPer <= u8.length; i += bytesPer) u8.subarray(i, i + bytesPer).reverse();
  }
  if (image.byteLength !== (voxels * bits) / 8)
    throw new ParseError(file, {}, `image holds ${image.byteLength} bytes, expected ${(voxels * bits) / 8}`);
  const data = typed(header.datatypeCode, bits, image, file);
  const slope = header.scl_slope;
  return {
    dims: [nx, ny, nz],
    voxelSize: [header.pixDims[1] ?? 1, header.pixDims[2] ?? 1, header.pixDims[3] ?? 1],
    data,
    datatypeCode: header.datatypeCode,
    slope: Number.isFinite(slope) && slope !== 0 ? slope : 1,
    intercept: Number.isFinite(header.scl_inter) ? header.scl_inter : 0,
  };
}

/** Reads a .nii or .nii.gz file. */
export async function readNiftiFile(file: string): Promise<NiftiVolume> {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    throw new ParseError(file, {}, `cannot read file (${(err as Error).message})`, { cause: err });
  }
  return readNifti(bytes, file);
}
