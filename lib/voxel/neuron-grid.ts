import { centre, normalise, CENTRE_MODES } from "../neuron";
import type { CentreMode, NormaliseRange, PointCloud } from "../neuron";
import { checkChoice } from "../core";
import { voxelize } from "./voxelize";
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
 * [-1, 1], voxelise (SPEC "Pre-processing"). The cloud is not modified.
 */
export function neuronGrid(cloud: PointCloud, options: NeuronGridOptions = {}): VoxelGrid {
  const mode = checkChoice("centre", options.centre ?? DEFAULTS.centre, CENTRE_MODES);
  const centred = centre(cloud.points, mode, cloud.soma);
  normalise(centred, options.range, true);
  return voxelize(centred, options.size ?? DEFAULTS.size, { out: options.out });
}
