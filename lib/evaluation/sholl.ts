import { ConfigError } from "../core";
import { SWC_TYPES, type Morphology } from "../neuron";

/** Intersections of the neurites with spheres of radius step, 2·step, … around the soma centre. */
export interface ShollProfile {
  /** Distance between successive spheres, in the skeleton's units (µm for NeuroMorpho files). */
  step: number;
  radii: Float64Array;
  intersections: Int32Array;
}

/**
 * The Sholl profile of a skeleton: at each radius r, how many neurite
 * segments (parent → child, both not soma) have one end inside the sphere
 * and the other on or outside it (min(d₀, d₁) < r ≤ max(d₀, d₁), d the
 * distance from the soma centre). Radii run up to the farthest sample.
 */
export function shollProfile(m: Morphology, step: number): ShollProfile {
  if (!(step > 0)) throw new ConfigError(`Sholl profile: the step between radii must be > 0, found ${step}`);
  const P = m.positions;
  const [cx, cy, cz] = m.soma;
  const dist = new Float64Array(m.count);
  let far = 0;
  for (let i = 0; i < m.count; i++) {
    dist[i] = Math.hypot(P[3 * i]! - cx, P[3 * i + 1]! - cy, P[3 * i + 2]! - cz);
    if (m.types[i] !== SWC_TYPES.soma && dist[i]! > far) far = dist[i]!;
  }
  const shells = Math.floor(far / step);
  // Difference array over shell numbers: a segment adds one to every shell it crosses.
  const diff = new Int32Array(shells + 2);
  for (let i = 0; i < m.count; i++) {
    const p = m.parents[i]!;
    if (p < 0 || m.types[i] === SWC_TYPES.soma || m.types[p] === SWC_TYPES.soma) continue;
    const lo = Math.min(dist[i]!, dist[p]!);
    const hi = Math.max(dist[i]!, dist[p]!);
    const first = Math.floor(lo / step) + 1;
    const last = Math.floor(hi / step);
    if (last < first) continue;
    diff[first]!++;
    diff[last + 1]!--;
  }
  const radii = new Float64Array(shells);
  const intersections = new Int32Array(shells);
  let running = 0;
  for (let s = 1; s <= shells; s++) {
    running += diff[s]!;
    radii[s - 1] = s * step;
    intersections[s - 1] = running;
  }
  return { step, radii, intersections };
}

/** The classic numbers read off a Sholl profile. */
export interface ShollSummary {
  /** The largest number of intersections (the "critical value"). */
  peak: number;
  /** The smallest radius where it occurs (the "critical radius"); 0 without intersections. */
  peakRadius: number;
  /** Mean intersections over the radii up to the last one crossed. */
  mean: number;
  /** Schoenen's ramification index: peak over the number of stems (0 without stems). */
  ramification: number;
}

export function shollSummary(profile: ShollProfile, stems: number): ShollSummary {
  const x = profile.intersections;
  let peak = 0;
  let at = -1;
  let last = -1;
  let sum = 0;
  for (let s = 0; s < x.length; s++) {
    if (x[s]! > peak) {
      peak = x[s]!;
      at = s;
    }
    if (x[s]! > 0) last = s;
    sum += x[s]!;
  }
  return {
    peak,
    peakRadius: at < 0 ? 0 : profile.radii[at]!,
    mean: last < 0 ? 0 : sum / (last + 1),
    ramification: stems > 0 ? peak / stems : 0,
  };
}
