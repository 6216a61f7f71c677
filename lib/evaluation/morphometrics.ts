import { childCounts, morphologyBounds, surfaceArea, SWC_TYPES, treeOrder, type Morphology } from "../neuron";
import { shollProfile, shollSummary } from "./sholl";

/**
 * Classic morphometrics of a skeleton, in the file's units (µm for
 * NeuroMorpho): the features NeuroM and L-Measure report that a
 * neuroanatomist would try first.
 */
export const SWC_MORPHOMETRICS = [
  "total_length",
  "extent_x",
  "extent_y",
  "extent_z",
  "branch_points",
  "tips",
  "stems",
  "mean_branch_length",
  "max_path_distance",
  "max_radial_distance",
  "max_branch_order",
  "surface_area",
  "sholl_peak",
  "sholl_peak_radius",
  "sholl_mean",
  "sholl_ramification",
] as const;
export type SwcMorphometric = (typeof SWC_MORPHOMETRICS)[number];

export interface MorphometricsOptions {
  /** Distance between Sholl spheres, in the file's units (default 10). */
  shollStep?: number;
}

/**
 * Neurite samples are those not of the soma type. As in NeuroM, the cable
 * is the segments between two neurite samples: the link from the soma to
 * the first sample of a neurite is not cable. A stem is a neurite sample
 * whose parent is a soma sample (or which is a root); a branch point a
 * neurite sample with two or more children; a tip one with none; a branch
 * (section) the path between two of those, so the mean branch length is the
 * cable over the number of branches. Path distances run along the tree from
 * the soma centre, the link to the first sample included; radial distances
 * are straight from the soma centre; the branch order of a sample is the
 * number of branch points above it.
 */
export function swcMorphometrics(m: Morphology, options: MorphometricsOptions = {}): Record<SwcMorphometric, number> {
  const { positions: P, parents, types } = m;
  const isNeurite = (i: number): boolean => types[i] !== SWC_TYPES.soma;
  const children = childCounts(m);
  const path = new Float64Array(m.count);
  const order = new Int32Array(m.count);
  const [cx, cy, cz] = m.soma;
  const fromSoma = (i: number): number => Math.hypot(P[3 * i]! - cx, P[3 * i + 1]! - cy, P[3 * i + 2]! - cz);
  let total = 0;
  let stems = 0;
  let branchPoints = 0;
  let tips = 0;
  let branches = 0;
  let maxPath = 0;
  let maxRadial = 0;
  let maxOrder = 0;
  for (const i of treeOrder(m)) {
    if (!isNeurite(i)) continue;
    const p = parents[i]!;
    let pathLength: number;
    if (p < 0 || !isNeurite(p)) {
      stems++;
      pathLength = fromSoma(i);
    } else {
      const len = Math.hypot(P[3 * i]! - P[3 * p]!, P[3 * i + 1]! - P[3 * p + 1]!, P[3 * i + 2]! - P[3 * p + 2]!);
      total += len;
      pathLength = path[p]! + len;
      order[i] = order[p]! + (children[p]! >= 2 ? 1 : 0);
      if (children[i] !== 1) branches++;
    }
    if (children[i]! >= 2) branchPoints++;
    if (children[i] === 0) tips++;
    path[i] = pathLength;
    maxPath = Math.max(maxPath, pathLength);
    maxRadial = Math.max(maxRadial, fromSoma(i));
    maxOrder = Math.max(maxOrder, order[i]!);
  }
  const { min, max } = morphologyBounds(m);
  const sholl = shollSummary(shollProfile(m, options.shollStep ?? 10), stems);
  return {
    total_length: total,
    extent_x: max[0] - min[0],
    extent_y: max[1] - min[1],
    extent_z: max[2] - min[2],
    branch_points: branchPoints,
    tips,
    stems,
    mean_branch_length: branches > 0 ? total / branches : 0,
    max_path_distance: maxPath,
    max_radial_distance: maxRadial,
    max_branch_order: maxOrder,
    surface_area: surfaceArea(m),
    sholl_peak: sholl.peak,
    sholl_peak_radius: sholl.peakRadius,
    sholl_mean: sholl.mean,
    sholl_ramification: sholl.ramification,
  };
}
