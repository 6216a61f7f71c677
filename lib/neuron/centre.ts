import { checkChoice } from "../core";
import { pointMean } from "./pointcloud";

/**
 * Where the origin goes before normalising: the soma (default), the mean of
 * the points, the soma in x and z only, which keeps y (cortical depth), or
 * nowhere (coordinates as they are).
 */
export type CentreMode = "soma" | "mean" | "soma-xz" | "none";
export const CENTRE_MODES: readonly CentreMode[] = ["soma", "mean", "soma-xz", "none"];

/** What `centre` subtracts from every point for a given mode. */
export function centreOffset(
  points: Float32Array | Float64Array,
  mode: CentreMode,
  soma?: readonly [number, number, number],
): [number, number, number] {
  checkChoice("centre", mode, CENTRE_MODES);
  if (mode === "none") return [0, 0, 0];
  if (mode === "mean") return pointMean(points);
  if (!soma) throw new RangeError(`centre "${mode}" needs the soma position; use "mean" or "none" for clouds without one`);
  return mode === "soma" ? [soma[0], soma[1], soma[2]] : [soma[0], 0, soma[2]];
}

/**
 * Points moved so the chosen centre is at the origin. Returns a new array
 * unless `inPlace`; float32 output either way, like the clouds it reads.
 */
export function centre(
  points: Float32Array,
  mode: CentreMode = "soma",
  soma?: readonly [number, number, number],
  inPlace = false,
): Float32Array {
  const [ox, oy, oz] = centreOffset(points, mode, soma);
  const out = inPlace ? points : new Float32Array(points.length);
  for (let i = 0; i < points.length; i += 3) {
    out[i] = points[i]! - ox;
    out[i + 1] = points[i + 1]! - oy;
    out[i + 2] = points[i + 2]! - oz;
  }
  return out;
}
