/** A sub-block of an x-major cube grid: `data[(x * sy + y) * sz + z]`. */
export interface VoxelBlock {
  data: Uint8Array;
  shape: [number, number, number];
}

/**
 * The block `[lo, hi)` per axis of a cube grid of side `size`. Bounds are
 * clamped to the grid; an empty range gives an empty block.
 */
export function cropBlock(
  data: Uint8Array,
  size: number,
  lo: readonly [number, number, number],
  hi: readonly [number, number, number],
): VoxelBlock {
  if (data.length !== size * size * size) {
    throw new RangeError(`cropBlock: a ${size}³ grid has ${size ** 3} voxels, found ${data.length}`);
  }
  const a = lo.map((v) => Math.max(0, Math.min(size, Math.floor(v)))) as [number, number, number];
  const b = hi.map((v, i) => Math.max(a[i]!, Math.min(size, Math.floor(v)))) as [number, number, number];
  const shape: [number, number, number] = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
  const out = new Uint8Array(shape[0] * shape[1] * shape[2]);
  let k = 0;
  for (let x = a[0]; x < b[0]; x++) {
    for (let y = a[1]; y < b[1]; y++) {
      const row = (x * size + y) * size;
      out.set(data.subarray(row + a[2], row + b[2]), k);
      k += shape[2];
    }
  }
  return { data: out, shape };
}

/**
 * The grid with `floor(fraction * size)` voxels cut from each side, as the
 * inference figures show it (10 % per side: docs/models.md, "Metrics and inference").
 */
export function cropMargin(data: Uint8Array, size: number, fraction = 0.1): VoxelBlock {
  if (!(fraction >= 0 && fraction < 0.5)) throw new RangeError(`cropMargin: fraction must be in [0, 0.5), found ${fraction}`);
  const cut = Math.floor(fraction * size);
  return cropBlock(data, size, [cut, cut, cut], [size - cut, size - cut, size - cut]);
}

/** The smallest box `[lo, hi)` holding every occupied voxel, or null for an empty grid. */
export function occupiedBounds(data: Uint8Array, size: number): { lo: [number, number, number]; hi: [number, number, number] } | null {
  const lo: [number, number, number] = [size, size, size];
  const hi: [number, number, number] = [0, 0, 0];
  let any = false;
  for (let x = 0, i = 0; x < size; x++) {
    for (let y = 0; y < size; y++) {
      for (let z = 0; z < size; z++, i++) {
        if (data[i] === 0) continue;
        any = true;
        if (x < lo[0]) lo[0] = x;
        if (y < lo[1]) lo[1] = y;
        if (z < lo[2]) lo[2] = z;
        if (x >= hi[0]) hi[0] = x + 1;
        if (y >= hi[1]) hi[1] = y + 1;
        if (z >= hi[2]) hi[2] = z + 1;
      }
    }
  }
  return any ? { lo, hi } : null;
}
