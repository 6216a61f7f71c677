import { pca } from "../analysis";
import { pointBounds, pointCount, pointMean } from "../neuron";

/**
 * Shape numbers of a point cloud, in its own units: the extents, the spread
 * along its three principal axes (standard deviations, largest first), two
 * ratios of those (elongation and flatness) and the radius of gyration.
 */
export const CLOUD_MORPHOMETRICS = [
  "extent_x",
  "extent_y",
  "extent_z",
  "axis_1",
  "axis_2",
  "axis_3",
  "axis_ratio_2_1",
  "axis_ratio_3_1",
  "radius_of_gyration",
] as const;
export type CloudMorphometric = (typeof CLOUD_MORPHOMETRICS)[number];

export function cloudMorphometrics(points: Float32Array): Record<CloudMorphometric, number> {
  const n = pointCount(points);
  const { min, max } = pointBounds(points);
  // With as many components as columns the subspace is the whole space: one iteration is exact.
  const axes =
    n >= 3
      ? Array.from(pca({ rows: n, cols: 3, data: points }, 3, { iterations: 1 }).explainedVariance, (v) => Math.sqrt(Math.max(0, v)))
      : [0, 0, 0];
  const [mx, my, mz] = pointMean(points);
  let sq = 0;
  for (let i = 0; i < points.length; i += 3) sq += (points[i]! - mx) ** 2 + (points[i + 1]! - my) ** 2 + (points[i + 2]! - mz) ** 2;
  return {
    extent_x: max[0] - min[0],
    extent_y: max[1] - min[1],
    extent_z: max[2] - min[2],
    axis_1: axes[0]!,
    axis_2: axes[1]!,
    axis_3: axes[2]!,
    axis_ratio_2_1: axes[0]! > 0 ? axes[1]! / axes[0]! : 0,
    axis_ratio_3_1: axes[0]! > 0 ? axes[2]! / axes[0]! : 0,
    radius_of_gyration: Math.sqrt(sq / Math.max(1, n)),
  };
}
