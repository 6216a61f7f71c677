import * as path from "node:path";
import { WorkbenchError } from "../core";
import { readNeuronNpzFile, readNpyFile, readPlyFile, readSwcFile } from "../io";
import { sampleMesh, sampleSurface } from "../neuron";
import type { PointCloud } from "../neuron";

/** How source files become point clouds; every field optional. */
export interface SourceOptions {
  /** Points sampled from SWC skeletons and PLY meshes (default 100,000). */
  points?: number;
  /** Seed for that sampling (default 1996). */
  seed?: number;
  /** Factor applied to `.npz` coordinates (default 1000: the upstream float16 layout stores µm/1000). */
  npzScale?: number;
  /** Member of `.npz` files holding the coordinates (default "data"). */
  npzKey?: string;
}

export const SOURCE_EXTENSIONS = [".npz", ".npy", ".ply", ".swc"] as const;

/**
 * A neuron's point cloud from any supported file: upstream `.npz`
 * (float16 × 1000), `.npy` N×3, `.ply` (vertices of a cloud, or a mesh sampled
 * by area) or `.swc` (surface of the skeleton sampled). SWC gives the soma too.
 */
export function loadPointCloud(file: string, options: SourceOptions = {}): PointCloud {
  const ext = path.extname(file).toLowerCase();
  const count = options.points ?? 100_000;
  const seed = options.seed ?? 1996;
  switch (ext) {
    case ".npz":
      return readNeuronNpzFile(file, { scale: options.npzScale, key: options.npzKey });
    case ".npy": {
      const a = readNpyFile(file);
      if (a.shape.length !== 2 || a.shape[1] !== 3) {
        throw new WorkbenchError(`${file}: expected an N×3 array of x y z, found shape (${a.shape.join(", ")})`);
      }
      if (Array.isArray(a.data) || typeof a.data[0] === "bigint") {
        throw new WorkbenchError(`${file}: expected numeric coordinates, found ${a.dtype}`);
      }
      return { points: a.data instanceof Float32Array ? a.data : Float32Array.from(a.data as ArrayLike<number>) };
    }
    case ".ply": {
      const m = readPlyFile(file);
      if (m.vertices.length === 0) throw new WorkbenchError(`${file}: the PLY file has no vertices`);
      return { points: m.triangles.length > 0 ? sampleMesh(m.vertices, m.triangles, { count, random: seed }) : m.vertices };
    }
    case ".swc":
      return sampleSurface(readSwcFile(file), { count, random: seed });
    default:
      throw new WorkbenchError(`${file}: cannot read neurons from "${ext}" files; expected one of ${SOURCE_EXTENSIONS.join(", ")}`);
  }
}
