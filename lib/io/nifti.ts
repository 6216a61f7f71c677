import * as fs from "node:fs";
import { MissingDependencyError, ParseError } from "../core";

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
    const dynamicImport = new Function("specifier", "return import(specifier)") as (s: string) => Promise<NiftiModule>;
    loaded = dynamicImport("nifti-reader-js").catch((err: unknown) => {
      loaded = null;
      throw new MissingDependencyError(`reading NIfTI needs the package nifti-reader-js (npm install nifti-reader-js@0.8.0): ${(err as Error).message}`, { cause: err });
    });
  }
  return loaded;
}

function typed(code: number, buffer: ArrayBuffer, file: string): NiftiVolume["data"] {
  switch (code) {
    case 2:
      return new Uint8Array(buffer);
    case 256:
      return new Int8Array(buffer);
    case 4:
      return new Int16Array(buffer);
    case 512:
      return new Uint16Array(buffer);
    case 8:
      return new Int32Array(buffer);
    case 768:
      return new Uint32Array(buffer);
    case 16:
      return new Float32Array(buffer);
    case 64:
      return new Float64Array(buffer);
    default:
      throw new ParseError(file, { byteOffset: 70 }, `NIfTI datatype ${code} is not supported (supported: uint8, int8, int16, uint16, int32, uint32, float32, float64)`);
  }
}

/** Reads a .nii or .nii.gz held in memory. `file` names it in errors. */
export async function readNifti(bytes: Uint8Array, file = "<nifti>"): Promise<NiftiVolume> {
  const nifti = await niftiModule();
  let buffer: ArrayBuffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  try {
    if (nifti.isCompressed(buffer)) buffer = nifti.decompress(buffer) as ArrayBuffer;
  } catch (err) {
    throw new ParseError(file, { byteOffset: 0 }, `gzip data could not be decompressed (${(err as Error).message})`, { cause: err });
  }
  if (!nifti.isNIFTI(buffer)) throw new ParseError(file, { byteOffset: 344 }, "not a NIfTI-1/NIfTI-2 file: magic \"n+1\"/\"n+2\" not found");
  const header = nifti.readHeader(buffer);
  if (!header) throw new ParseError(file, { byteOffset: 0 }, "NIfTI header could not be read");
  const [rank, nx = 1, ny = 1, nz = 1, nt = 1] = header.dims;
  if (rank! > 4 || nt !== 1) throw new ParseError(file, { byteOffset: 40 }, `expected a 3-D volume, found dims ${JSON.stringify(header.dims.slice(1, rank! + 1))}`);
  const voxels = nx * ny * nz;
  const need = header.vox_offset + (voxels * header.numBitsPerVoxel) / 8;
  if (buffer.byteLength < need) throw new ParseError(file, { byteOffset: buffer.byteLength }, `image needs ${need} bytes (${nx}x${ny}x${nz} voxels of ${header.numBitsPerVoxel} bits) but the file has ${buffer.byteLength}`);
  let image = nifti.readImage(header, buffer);
  if (!header.littleEndian && header.numBitsPerVoxel > 8) {
    image = image.slice(0);
    const bytesPer = header.numBitsPerVoxel / 8;
    const u8 = new Uint8Array(image);
    for (let i = 0; i < u8.length; i += bytesPer) u8.subarray(i, i + bytesPer).reverse();
  } else {
    image = image.slice(0);
  }
  const data = typed(header.datatypeCode, image, file);
  if (data.length !== voxels) throw new ParseError(file, {}, `image holds ${data.length} voxels, expected ${voxels}`);
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
