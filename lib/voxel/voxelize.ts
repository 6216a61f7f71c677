import { pointBounds } from "../neuron";

/**
 * Occupancy grids from normalised point clouds, exactly as the reference
 * pipeline builds them (docs/neurons.md, "Voxelisation"):
 * - voxel size `2 / size`; a point's index per axis is
 *   `floor((p - p_min) / voxel)`, measured from the cloud's own min corner;
 * - a point on the upper boundary (index == size) lands in the last voxel;
 * - the occupied block is zero-padded to `size³`, the smaller half of the
 *   padding on the low side;
 * - the grid is x-major: `data[(x * size + y) * size + z]`.
 */
export interface VoxelizeOptions {
  /** Write into this array (length size³; cleared first) instead of a new one. */
  out?: Uint8Array;
}

export interface VoxelGrid {
  /** Occupancy, 0 or 1, x-major [x][y][z]. */
  data: Uint8Array;
  /** Side length of the cube. */
  size: number;
  /** Extent of the occupied block per axis, in voxels. */
  extent: [number, number, number];
  /** Zero padding added below the block per axis. */
  padLow: [number, number, number];
  /** Points beyond the grid (cloud wider than [-1, 1]) that were clamped into the last voxel. */
  clipped: number;
}

/** Index of (x, y, z) in an x-major grid, z fastest (a synapse Volume is z-major: volumeIndex). */
export function voxelIndex(size: number, x: number, y: number, z: number): number {
  return (x * size + y) * size + z;
}

/**
 * The placement shared by every path that builds a grid: the occupied
 * block's extent from the cloud's (normalised) min and max corners, its
 * low-side padding, and the cleared output array. `put` marks the voxel of a
 * point given in voxel units from the min corner, applying the
 * upper-boundary rule and counting points beyond the grid in `clipped`.
 */
export interface GridPlacement {
  grid: VoxelGrid;
  put(ux: number, uy: number, uz: number): void;
}

export function gridPlacement(who: string, size: number, min: readonly number[], max: readonly number[], out?: Uint8Array): GridPlacement {
  const voxel = 2 / size;
  const last = size - 1;
  const top = (lo: number, hi: number): number => Math.min(last, Math.floor((hi - lo) / voxel));
  const extent: [number, number, number] = [top(min[0]!, max[0]!) + 1, top(min[1]!, max[1]!) + 1, top(min[2]!, max[2]!) + 1];
  const padLow: [number, number, number] = [
    Math.floor((size - extent[0]) / 2),
    Math.floor((size - extent[1]) / 2),
    Math.floor((size - extent[2]) / 2),
  ];
  const total = size * size * size;
  let data: Uint8Array;
  if (out) {
    if (out.length !== total) throw new RangeError(`${who}: out must hold ${total} voxels, found ${out.length}`);
    data = out;
    data.fill(0);
  } else data = new Uint8Array(total);
  const grid: VoxelGrid = { data, size, extent, padLow, clipped: 0 };
  const [px, py, pz] = padLow;
  return {
    grid,
    put(ux, uy, uz) {
      let ix = Math.floor(ux),
        iy = Math.floor(uy),
        iz = Math.floor(uz);
      if (ix > last || iy > last || iz > last) {
        // Exactly on the upper boundary is part of the grid; anything further is clipped.
        if (ux > size || uy > size || uz > size) grid.clipped++;
        if (ix > last) ix = last;
        if (iy > last) iy = last;
        if (iz > last) iz = last;
      }
      data[((ix + px) * size + (iy + py)) * size + (iz + pz)] = 1;
    },
  };
}

export function voxelize(points: Float32Array | Float64Array, size: number, options: VoxelizeOptions = {}): VoxelGrid {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`voxelize: size must be a positive integer, found ${size}`);
  const n = points.length / 3;
  if (!Number.isInteger(n) || n === 0) {
    throw new RangeError(`voxelize: expected a non-empty cloud with 3 numbers per point, found ${points.length} numbers`);
  }
  const { min, max } = pointBounds(points);
  if (!(min[0] <= max[0] && min[1] <= max[1] && min[2] <= max[2])) {
    throw new RangeError("voxelize: the cloud holds NaN coordinates");
  }
  const [x0, y0, z0] = min;
  const voxel = 2 / size;
  const place = gridPlacement("voxelize", size, min, max, options.out);
  for (let i = 0; i < points.length; i += 3) {
    place.put((points[i]! - x0) / voxel, (points[i + 1]! - y0) / voxel, (points[i + 2]! - z0) / voxel);
  }
  return place.grid;
}

/** Number of occupied voxels. */
export function countOccupied(data: Uint8Array): number {
  let c = 0;
  for (let i = 0; i < data.length; i++) c += data[i]! !== 0 ? 1 : 0;
  return c;
}
