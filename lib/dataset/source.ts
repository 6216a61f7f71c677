import * as path from "node:path";
import { WorkbenchError } from "../core";
import { readNeuronNpzFile, readNpyFile, readPlyFile, readSwcFile } from "../io";
import { sampleMesh, sampleSurface } from "../neuron";
import type { Morphology, PointCloud } from "../neuron";

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
 * A source file read and checked but not sampled yet: reading is the part
 * that can fail on a bad file, and it costs a fraction of the sampling, so
 * many files can be checked before any is voxelised.
 */
export type SourceShape =
  | { kind: "cloud"; cloud: PointCloud }
  | { kind: "mesh"; vertices: Float32Array; triangles: Uint32Array }
  | { kind: "skeleton"; morphology: Morphology };

/** Reads a neuron file of any supported format; throws a ParseError (file and line) or WorkbenchError naming the file. */
export function readSource(file: string, options: SourceOptions = {}): SourceShape {
  const ext = path.extname(file).toLowerCase();
  switch (ext) {
    case ".npz":
      return { kind: "cloud", cloud: readNeuronNpzFile(file, { scale: options.npzScale, key: options.npzKey }) };
    case ".npy": {
      const a = readNpyFile(file);
      if (a.shape.length !== 2 || a.shape[1] !== 3) {
        throw new WorkbenchError(`${file}: expected an N×3 array of x y z, found shape (${a.shape.join(", ")})`);
      }
      if (Array.isArray(a.data) || typeof a.data[0] === "bigint") {
        throw new WorkbenchError(`${file}: expected numeric coordinates, found ${a.dtype}`);
      }
      return { kind: "cloud", cloud: { points: a.data instanceof Float32Array ? a.data : Float32Array.from(a.data as ArrayLike<number>) } };
    }
    case ".ply": {
      const m = readPlyFile(file);
      if (m.vertices.length === 0) throw new WorkbenchError(`${file}: the PLY file has no vertices`);
      return m.triangles.length > 0
        ? { kind: "mesh", vertices: m.vertices, triangles: m.triangles }
        : { kind: "cloud", cloud: { points: m.vertices } };
    }
    case ".swc":
      return { kind: "skeleton", morphology: readSwcFile(file) };
    default:
      throw new WorkbenchError(`${file}: cannot read neurons from "${ext}" files; expected one of ${SOURCE_EXTENSIONS.join(", ")}`);
  }
}

/** The soma a source gives by itself (SWC skeletons do; clouds and meshes do not). */
export function sourceSoma(shape: SourceShape): [number, number, number] | null {
  if (shape.kind === "skeleton") return shape.morphology.soma;
  return shape.kind === "cloud" ? (shape.cloud.soma ?? null) : null;
}

/**
 * A neuron's point cloud from any supported file: upstream `.npz`
 * (float16 × 1000), `.npy` N×3, `.ply` (vertices of a cloud, or a mesh sampled
 * by area) or `.swc` (surface of the skeleton sampled). SWC gives the soma too.
 */
export function loadPointCloud(file: string, options: SourceOptions = {}): PointCloud {
  const shape = readSource(file, options);
  const count = options.points ?? 100_000;
  const seed = options.seed ?? 1996;
  switch (shape.kind) {
    case "cloud":
      return shape.cloud;
    case "mesh":
      return { points: sampleMesh(shape.vertices, shape.triangles, { count, random: seed }) };
    case "skeleton":
      return sampleSurface(shape.morphology, { count, random: seed });
  }
}
