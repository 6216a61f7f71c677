/**
 * A point cloud as one interleaved Float32Array `[x0, y0, z0, x1, ...]`: the
 * form every sampler returns and every voxeliser takes. 100,000 points are
 * 1.2 MB and no per-point objects exist.
 */
export interface PointCloud {
  points: Float32Array;
  /** Soma centre in the same coordinates, when known. */
  soma?: [number, number, number];
}

/** Number of points in `points` (which must have a length divisible by 3). */
export function pointCount(points: Float32Array | Float64Array): number {
  if (points.length % 3 !== 0) {
    throw new RangeError(`point cloud: expected 3 numbers per point, found ${points.length} numbers`);
  }
  return points.length / 3;
}

/** Per-axis bounds of a point cloud. */
export function pointBounds(points: Float32Array | Float64Array): {
  min: [number, number, number];
  max: [number, number, number];
} {
  let x0 = Infinity,
    y0 = Infinity,
    z0 = Infinity;
  let x1 = -Infinity,
    y1 = -Infinity,
    z1 = -Infinity;
  for (let i = 0; i < points.length; i += 3) {
    const x = points[i]!,
      y = points[i + 1]!,
      z = points[i + 2]!;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
    if (z < z0) z0 = z;
    if (z > z1) z1 = z;
  }
  return { min: [x0, y0, z0], max: [x1, y1, z1] };
}

/** Mean of the points (float64 accumulation). */
export function pointMean(points: Float32Array | Float64Array): [number, number, number] {
  const n = pointCount(points);
  let sx = 0,
    sy = 0,
    sz = 0;
  for (let i = 0; i < points.length; i += 3) {
    sx += points[i]!;
    sy += points[i + 1]!;
    sz += points[i + 2]!;
  }
  const k = Math.max(1, n);
  return [sx / k, sy / k, sz / k];
}
