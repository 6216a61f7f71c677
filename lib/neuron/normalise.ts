/**
 * Scaling into [-1, 1]: `c' = ((c - min) / (max - min) - 0.5) * 2` with one
 * min and one max over all three axes together, so shapes keep their aspect
 * ratio. The range is either the shape's own (per-shape normalisation) or
 * constants computed once over a dataset and stored with it.
 */
export interface NormaliseRange {
  min: number;
  max: number;
}

/** The scalar min and max over all coordinates of a cloud. */
export function coordinateRange(points: Float32Array | Float64Array): NormaliseRange {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < points.length; i++) {
    const v = points[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!(min <= max)) throw new RangeError("coordinateRange: the cloud is empty or holds NaN");
  return { min, max };
}

/** The range covering several ranges: dataset constants from per-shape ranges. */
export function mergeRanges(ranges: Iterable<NormaliseRange>): NormaliseRange {
  let min = Infinity;
  let max = -Infinity;
  for (const r of ranges) {
    if (r.min < min) min = r.min;
    if (r.max > max) max = r.max;
  }
  if (!(min <= max)) throw new RangeError("mergeRanges: no ranges given");
  return { min, max };
}

/**
 * Points scaled into [-1, 1] by `range` (default: the cloud's own). A cloud
 * whose coordinates are all equal maps to 0. Returns a new array unless `inPlace`.
 */
export function normalise(points: Float32Array, range?: NormaliseRange, inPlace = false): Float32Array {
  const { min, max } = range ?? coordinateRange(points);
  const out = inPlace ? points : new Float32Array(points.length);
  const span = max - min;
  if (!(span > 0)) {
    out.fill(0);
    return out;
  }
  // The reference formula as written, so results match numpy bit for bit in float64.
  for (let i = 0; i < points.length; i++) out[i] = ((points[i]! - min) / span - 0.5) * 2;
  return out;
}
