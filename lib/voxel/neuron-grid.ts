import { centreOffset, CENTRE_MODES } from "../neuron";
import type { CentreMode, NormaliseRange, PointCloud } from "../neuron";
import { checkChoice } from "../core";
import { gridPlacement, voxelize } from "./voxelize";
import type { VoxelGrid } from "./voxelize";

/** Options for neuronGrid; every field optional. */
export interface NeuronGridOptions {
  /** Grid side (default 64; the models use 64 and 128). */
  size?: number;
  /** Centring before normalising (default "soma"; clouds without a soma need "mean" or "none"). */
  centre?: CentreMode;
  /** Dataset-wide normalisation constants (default: the shape's own range). */
  range?: NormaliseRange;
  /** Reuse this array for the grid. */
  out?: Uint8Array;
}

const DEFAULTS = { size: 64, centre: "soma" as CentreMode };

/**
 * A neuron's occupancy grid from its point cloud: centre, normalise to
 * [-1, 1], voxelise (docs/neurons.md, "Centring" to "Voxelisation"). The cloud is not modified.
 *
 * The three steps run fused in two passes over the points with no temporary
 * arrays, rounding to float32 after centring and after normalising exactly as
 * `voxelize(normalise(centre(points)))` does, so the grids are identical.
 */
export function neuronGrid(cloud: PointCloud, options: NeuronGridOptions = {}): VoxelGrid {
  const mode = checkChoice("centre", options.centre ?? DEFAULTS.centre, CENTRE_MODES);
  const size = options.size ?? DEFAULTS.size;
  const pts = cloud.points;
  const [ox, oy, oz] = centreOffset(pts, mode, cloud.soma);
  const f = Math.fround;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`neuronGrid: size must be a positive integer, found ${size}`);
  if (pts.length === 0 || pts.length % 3 !== 0) {
    throw new RangeError(`neuronGrid: expected a non-empty cloud with 3 numbers per point, found ${pts.length} numbers`);
  }

  let x0 = Infinity,
    y0 = Infinity,
    z0 = Infinity;
  let x1 = -Infinity,
    y1 = -Infinity,
    z1 = -Infinity;
  for (let i = 0; i < pts.length; i += 3) {
    const x = f(pts[i]! - ox),
      y = f(pts[i + 1]! - oy),
      z = f(pts[i + 2]! - oz);
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
    if (z < z0) z0 = z;
    if (z > z1) z1 = z;
  }
  if (!(x0 <= x1 && y0 <= y1 && z0 <= z1)) throw new RangeError("neuronGrid: the cloud holds NaN coordinates");
  const min = options.range?.min ?? Math.min(x0, y0, z0);
  const max = options.range?.max ?? Math.max(x1, y1, z1);
  const span = max - min;
  if (!(span > 0)) {
    // Every coordinate equal: normalisation maps all of them to 0.
    return voxelize(new Float32Array(3), size, { out: options.out });
  }
  const norm = (c: number): number => f(((c - min) / span - 0.5) * 2);
  const nx0 = norm(x0),
    ny0 = norm(y0),
    nz0 = norm(z0);
  const voxel = 2 / size;
  const place = gridPlacement("neuronGrid", size, [nx0, ny0, nz0], [norm(x1), norm(y1), norm(z1)], options.out);
  for (let i = 0; i < pts.length; i += 3) {
    place.put((norm(f(pts[i]! - ox)) - nx0) / voxel, (norm(f(pts[i + 1]! - oy)) - ny0) / voxel, (norm(f(pts[i + 2]! - oz)) - nz0) / voxel);
  }
  return place.grid;
}
