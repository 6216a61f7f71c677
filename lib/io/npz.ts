import * as fs from "node:fs";
import { ParseError, WorkbenchError, writeFileAtomic } from "../core";
import type { PointCloud } from "../neuron";
import { readNpy, writeNpy, npyToStrings } from "./npy";
import type { NpyArray, NpyData, NpyDtype } from "./npy";
import { readZip, writeZip } from "./zip";

/**
 * NumPy `.npz` archives (np.savez and np.savez_compressed): a zip of `.npy`
 * members, stored or deflated. Keys are member names without `.npy`; members
 * are decoded when asked for.
 */
export interface NpzArchive {
  file: string;
  keys: string[];
  has(key: string): boolean;
  get(key: string): NpyArray;
}

export function readNpz(bytes: Uint8Array, file = "<npz>"): NpzArchive {
  const zip = readZip(bytes, file);
  const names = new Map<string, string>();
  for (const e of zip.entries) {
    if (e.name.endsWith("/")) continue;
    names.set(e.name.endsWith(".npy") ? e.name.slice(0, -4) : e.name, e.name);
  }
  const keys = [...names.keys()];
  return {
    file,
    keys,
    has: (key) => names.has(key),
    get(key) {
      const member = names.get(key);
      if (member === undefined) {
        throw new WorkbenchError(
          `${file}: no array "${key}" in the archive; it holds ${keys.map((k) => `"${k}"`).join(", ") || "nothing"}`,
        );
      }
      return readNpy(zip.read(member), `${file}:${member}`);
    },
  };
}

export function readNpzFile(file: string): NpzArchive {
  return readNpz(fs.readFileSync(file), file);
}

/** An array to write: data plus optional shape (default 1-D) and dtype. */
export interface NpzInput {
  data: NpyData;
  shape?: number[];
  dtype?: NpyDtype;
}

/** `.npz` bytes; `compress` deflates members like np.savez_compressed (default false). */
export function writeNpz(arrays: Record<string, NpzInput>, options: { compress?: boolean } = {}): Uint8Array {
  return writeZip(
    Object.entries(arrays).map(([key, a]) => ({ name: `${key}.npy`, data: writeNpy(a.data, a.shape, a.dtype) })),
    { compress: options.compress ?? false },
  );
}

export function writeNpzFile(file: string, arrays: Record<string, NpzInput>, options: { compress?: boolean } = {}): void {
  writeFileAtomic(file, writeNpz(arrays, options));
}

/** Options for readNeuronNpz; every field optional. */
export interface NeuronNpzOptions {
  /** Member holding the N×3 coordinates (default "data", the upstream layout). */
  key?: string;
  /** Factor the stored coordinates are multiplied by (default 1000: upstream stores µm/1000 as float16). */
  scale?: number;
}

/**
 * One upstream neuron (`coords/<id>.npz`): an N×3 float16 array under `data`
 * holding coordinates divided by 1000, returned multiplied back as float32.
 */
export function readNeuronNpz(bytes: Uint8Array, file = "<npz>", options: NeuronNpzOptions = {}): PointCloud {
  const key = options.key ?? "data";
  const scale = options.scale ?? 1000;
  const a = readNpz(bytes, file).get(key);
  if (a.shape.length !== 2 || a.shape[1] !== 3) {
    throw new ParseError(file, {}, `"${key}": expected an N×3 coordinate array, found shape (${a.shape.join(", ")})`);
  }
  if (Array.isArray(a.data) || a.data instanceof BigInt64Array || a.data instanceof BigUint64Array) {
    throw new ParseError(file, {}, `"${key}": expected floating-point coordinates, found ${a.dtype}`);
  }
  const src = a.data;
  const points = src instanceof Float32Array ? src : new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) points[i] = src[i]! * scale;
  return { points };
}

export function readNeuronNpzFile(file: string, options: NeuronNpzOptions = {}): PointCloud {
  return readNeuronNpz(fs.readFileSync(file), file, options);
}

/** A split list (`train.npy`, ...): neuron ids as exact strings. */
export function readIdListFile(file: string): string[] {
  const a = readNpy(fs.readFileSync(file), file);
  if (a.shape.length > 1 && a.shape.slice(1).some((d) => d !== 1)) {
    throw new ParseError(file, {}, `expected a 1-D list of ids, found shape (${a.shape.join(", ")})`);
  }
  return npyToStrings(a);
}
