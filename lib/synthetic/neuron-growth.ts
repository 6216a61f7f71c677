import { Random } from "../core";
import { morphology, SWC_TYPES } from "../neuron";
import type { Morphology } from "../neuron";

/**
 * Growing skeletons: a branch walks in steps, its direction drifting at
 * random and pulled towards a preferred direction, tapering, and sprouting
 * side branches. Cell classes (neuron-classes.ts) differ in the parameters.
 */
export type Vec3 = [number, number, number];

export interface BranchParams {
  /** Path length of this branch, µm. */
  length: number;
  /** Radius at the start and the end, µm. */
  radius: [number, number];
  /** SWC type (2 axon, 3 basal, 4 apical). */
  type: number;
  /** Step between samples, µm (default 6). */
  step?: number;
  /** Random drift of the direction per step (0 straight, 1 very wiggly; default 0.15). */
  tortuosity?: number;
  /** Direction the branch is pulled to, and how strongly per step (default none). */
  pull?: { dir: Vec3; weight: number };
  /** Keep within this distance of a centre by turning back towards it (axon plexus). */
  confine?: { centre: Vec3; radius: number; weight: number };
  /** Mean path length between side branches, µm (default: no side branches). */
  branchSpacing?: number;
  /** Angle of side branches from the parent direction, radians (default 0.9). */
  branchAngle?: number;
  /** Side branch length as a fraction of the parent's remaining length (default 0.6). */
  childFraction?: number;
  /** How many generations of side branches (default 3). */
  maxOrder?: number;
  /** Shortest side branch worth growing, µm (default 15). */
  minChild?: number;
  /** Parameters of side branches (default: the same as the parent's). */
  child?: Partial<BranchParams>;
  /** Called at the end of the branch to grow more from its tip (a tuft). */
  atTip?: (tip: number, dir: Vec3) => void;
}

export function unitVector(v: Vec3): Vec3 {
  const l = Math.hypot(v[0], v[1], v[2]) || 1;
  return [v[0] / l, v[1] / l, v[2] / l];
}

export function randomUnit(rng: Random): Vec3 {
  const z = 2 * rng.next() - 1;
  const phi = 2 * Math.PI * rng.next();
  const s = Math.sqrt(1 - z * z);
  return [s * Math.cos(phi), s * Math.sin(phi), z];
}

/** `dir` turned by `angle` towards a random perpendicular direction. */
export function deflect(rng: Random, dir: Vec3, angle: number): Vec3 {
  const d = unitVector(dir);
  let p = randomUnit(rng);
  const dot = p[0] * d[0] + p[1] * d[1] + p[2] * d[2];
  p = unitVector([p[0] - dot * d[0], p[1] - dot * d[1], p[2] - dot * d[2]]);
  const c = Math.cos(angle),
    s = Math.sin(angle);
  return unitVector([c * d[0] + s * p[0], c * d[1] + s * p[1], c * d[2] + s * p[2]]);
}

/** Accumulates samples; `build` turns them into a Morphology. */
export class SkeletonBuilder {
  readonly positions: number[] = [];
  readonly radii: number[] = [];
  readonly types: number[] = [];
  readonly parents: number[] = [];

  /** Branches turn back down rather than grow above this y (the pia). */
  ceiling = -Infinity;

  constructor(readonly rng: Random) {}

  add(p: Vec3, r: number, type: number, parent: number): number {
    this.positions.push(p[0], p[1], p[2]);
    this.radii.push(r);
    this.types.push(type);
    this.parents.push(parent);
    return this.types.length - 1;
  }

  at(i: number): Vec3 {
    return [this.positions[3 * i]!, this.positions[3 * i + 1]!, this.positions[3 * i + 2]!];
  }

  soma(p: Vec3, r: number): number {
    return this.add(p, r, SWC_TYPES.soma, -1);
  }

  /** Grows a branch from sample `from` in direction `dir`; returns its tip sample. */
  grow(from: number, dir: Vec3, params: BranchParams, order = 0): number {
    const rng = this.rng;
    const step = params.step ?? 6;
    const tort = params.tortuosity ?? 0.15;
    const n = Math.max(1, Math.round(params.length / step));
    const [r0, r1] = params.radius;
    let d = unitVector(dir);
    let prev = from;
    let p = this.at(from);
    for (let k = 1; k <= n; k++) {
      const w = randomUnit(rng);
      d = unitVector([d[0] + tort * w[0], d[1] + tort * w[1], d[2] + tort * w[2]]);
      if (params.pull) {
        const q = params.pull.dir;
        d = unitVector([d[0] + params.pull.weight * q[0], d[1] + params.pull.weight * q[1], d[2] + params.pull.weight * q[2]]);
      }
      if (params.confine) {
        const c = params.confine.centre;
        const off: Vec3 = [p[0] - c[0], p[1] - c[1], p[2] - c[2]];
        const dist = Math.hypot(...off);
        if (dist > params.confine.radius) {
          const back = unitVector([-off[0], -off[1], -off[2]]);
          const wgt = params.confine.weight * (dist / params.confine.radius - 1 + 0.2);
          d = unitVector([d[0] + wgt * back[0], d[1] + wgt * back[1], d[2] + wgt * back[2]]);
        }
      }
      if (p[1] + step * d[1] < this.ceiling) d = unitVector([d[0], Math.abs(d[1]), d[2]]);
      p = [p[0] + step * d[0], p[1] + step * d[1], p[2] + step * d[2]];
      const r = r0 + ((r1 - r0) * k) / n;
      prev = this.add(p, r, params.type, prev);
      const remaining = (n - k) * step;
      const maxOrder = params.maxOrder ?? 3;
      if (params.branchSpacing && order < maxOrder && k < n && rng.next() < step / params.branchSpacing) {
        const childLength = remaining * (params.childFraction ?? 0.6) * (0.6 + 0.8 * rng.next());
        if (childLength >= (params.minChild ?? 15)) {
          const childDir = deflect(rng, d, (params.branchAngle ?? 0.9) * (0.7 + 0.6 * rng.next()));
          const { atTip: _noTuft, ...inherited } = params;
          this.grow(
            prev,
            childDir,
            { ...inherited, ...params.child, length: childLength, radius: [r * 0.8, Math.min(r * 0.8, r1)] },
            order + 1,
          );
        }
      }
    }
    params.atTip?.(prev, d);
    return prev;
  }

  build(file: string): Morphology {
    return morphology({ file, types: this.types, positions: this.positions, radii: this.radii, parents: this.parents });
  }
}
