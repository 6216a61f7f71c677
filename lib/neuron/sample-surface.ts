import { Random } from "../core";
import { SWC_TYPES, somaGroups } from "./morphology";
import type { Morphology, MorphologyFinding } from "./morphology";
import type { PointCloud } from "./pointcloud";

/** Options for sampleSurface; every field optional. */
export interface SampleSurfaceOptions {
  /** Number of points (default 100,000). */
  count?: number;
  /** Seed or generator (default seed 1996). */
  random?: number | Random;
  /** Also return the SWC type of the sample each point belongs to (default false). */
  withTypes?: boolean;
}

const DEFAULTS = { count: 100_000, seed: 1996 };

/** A sampled surface; `types` only when `withTypes` was asked for. */
export interface SurfaceSample extends PointCloud {
  soma: [number, number, number];
  types?: Uint8Array;
  /** Set when the skeleton has no surface area (all radii zero): points then lie on the skeleton. */
  finding?: MorphologyFinding;
}

/**
 * The skeleton's geometry as primitives: a frustum (tapered cylinder) per
 * parent→child segment and a sphere per one-point or three-point soma.
 * `a` holds per primitive: x0 y0 z0 r0 x1 y1 z1 r1 (a sphere has r1 = -1).
 */
interface Primitives {
  count: number;
  a: Float64Array;
  types: Uint8Array;
  area: Float64Array;
  length: Float64Array;
}

function isThreePointSoma(group: number[], parents: Int32Array): boolean {
  if (group.length !== 3) return false;
  const root = group.find((i) => parents[i]! < 0);
  if (root === undefined) return false;
  return group.every((i) => i === root || parents[i] === root);
}

function buildPrimitives(m: Morphology): Primitives {
  const { positions: P, radii: R, parents, types } = m;
  const sphereAt = new Set<number>();
  const skipSegment = new Set<number>();
  for (const g of somaGroups(types, parents)) {
    if (g.length === 1) sphereAt.add(g[0]!);
    else if (isThreePointSoma(g, parents)) {
      // NeuroMorpho's three-point soma encodes a sphere around the root; the two
      // side points only mark its radius.
      const root = g.find((i) => parents[i]! < 0)!;
      sphereAt.add(root);
      for (const i of g) if (i !== root) skipSegment.add(i);
    }
  }
  const maxCount = m.count + sphereAt.size;
  const a = new Float64Array(maxCount * 8);
  const ptypes = new Uint8Array(maxCount);
  const area = new Float64Array(maxCount);
  const length = new Float64Array(maxCount);
  let k = 0;
  for (const i of sphereAt) {
    const r = R[i]!;
    a.set([P[3 * i]!, P[3 * i + 1]!, P[3 * i + 2]!, r, 0, 0, 0, -1], 8 * k);
    ptypes[k] = SWC_TYPES.soma;
    area[k] = 4 * Math.PI * r * r;
    length[k] = 0;
    k++;
  }
  for (let i = 0; i < m.count; i++) {
    const p = parents[i]!;
    if (p < 0 || skipSegment.has(i)) continue;
    let r0 = R[p]!;
    const r1 = R[i]!;
    // A neurite leaving the soma starts with its own calibre, not the soma's radius.
    if (types[p] === SWC_TYPES.soma && types[i] !== SWC_TYPES.soma) r0 = r1;
    const x0 = P[3 * p]!,
      y0 = P[3 * p + 1]!,
      z0 = P[3 * p + 2]!;
    const x1 = P[3 * i]!,
      y1 = P[3 * i + 1]!,
      z1 = P[3 * i + 2]!;
    const h = Math.hypot(x1 - x0, y1 - y0, z1 - z0);
    a.set([x0, y0, z0, r0, x1, y1, z1, r1], 8 * k);
    ptypes[k] = Math.max(0, Math.min(255, types[i]!));
    area[k] = Math.PI * (r0 + r1) * Math.hypot(h, r1 - r0);
    length[k] = h;
    k++;
  }
  return { count: k, a, types: ptypes, area, length };
}

function cumulative(w: Float64Array, n: number): Float64Array {
  const c = new Float64Array(n);
  let s = 0;
  for (let i = 0; i < n; i++) {
    s += w[i]!;
    c[i] = s;
  }
  return c;
}

function pick(cum: Float64Array, u: number): number {
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cum[mid]! > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Points spread uniformly (by area) over the surface of a skeleton's tapered
 * cylinders and soma spheres, seeded. Overlapping parts (a branch inside the
 * soma) are sampled too: at voxel resolution they are inside the cell anyway.
 * A skeleton with no surface (all radii zero) is sampled along its segments,
 * and one with no length at its sample positions, so the result is never empty.
 */
export function sampleSurface(m: Morphology, options: SampleSurfaceOptions = {}): SurfaceSample {
  const count = options.count ?? DEFAULTS.count;
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`sampleSurface: count must be a positive integer, found ${count}`);
  const rng = options.random instanceof Random ? options.random : new Random(options.random ?? DEFAULTS.seed);
  const prim = buildPrimitives(m);
  const out = new Float32Array(3 * count);
  const outTypes = options.withTypes ? new Uint8Array(count) : undefined;
  const areaCum = cumulative(prim.area, prim.count);
  const totalArea = prim.count > 0 ? areaCum[prim.count - 1]! : 0;
  let finding: MorphologyFinding | undefined;

  if (totalArea > 0) {
    const a = prim.a;
    for (let n = 0; n < count; n++) {
      const k = pick(areaCum, rng.next() * totalArea);
      const o = 8 * k;
      const x0 = a[o]!,
        y0 = a[o + 1]!,
        z0 = a[o + 2]!,
        r0 = a[o + 3]!;
      let x: number, y: number, z: number;
      if (a[o + 7]! < 0) {
        const cz = 2 * rng.next() - 1;
        const phi = 2 * Math.PI * rng.next();
        const s = Math.sqrt(Math.max(0, 1 - cz * cz));
        x = x0 + r0 * s * Math.cos(phi);
        y = y0 + r0 * s * Math.sin(phi);
        z = z0 + r0 * cz;
      } else {
        const r1 = a[o + 7]!;
        const dx = a[o + 4]! - x0,
          dy = a[o + 5]! - y0,
          dz = a[o + 6]! - z0;
        // Axial position with density proportional to the local radius (the
        // lateral area element), in a form that stays exact when r0 == r1.
        const u = rng.next();
        const t = (u * (r0 + r1)) / (Math.sqrt(r0 * r0 + u * (r1 * r1 - r0 * r0)) + r0);
        const r = r0 + (r1 - r0) * t;
        const h = Math.hypot(dx, dy, dz);
        let ax = 0,
          ay = 0,
          az = 1;
        if (h > 0) {
          ax = dx / h;
          ay = dy / h;
          az = dz / h;
        }
        // Two unit vectors perpendicular to the axis.
        let ex: number, ey: number, ez: number;
        if (Math.abs(ax) < 0.9) {
          ex = 0;
          ey = az;
          ez = -ay;
        } else {
          ex = -az;
          ey = 0;
          ez = ax;
        }
        const el = Math.hypot(ex, ey, ez);
        ex /= el;
        ey /= el;
        ez /= el;
        const fx = ay * ez - az * ey,
          fy = az * ex - ax * ez,
          fz = ax * ey - ay * ex;
        const phi = 2 * Math.PI * rng.next();
        const c = r * Math.cos(phi),
          s = r * Math.sin(phi);
        x = x0 + t * dx + c * ex + s * fx;
        y = y0 + t * dy + c * ey + s * fy;
        z = z0 + t * dz + c * ez + s * fz;
      }
      out[3 * n] = x;
      out[3 * n + 1] = y;
      out[3 * n + 2] = z;
      if (outTypes) outTypes[n] = prim.types[k]!;
    }
  } else {
    const lenCum = cumulative(prim.length, prim.count);
    const totalLength = prim.count > 0 ? lenCum[prim.count - 1]! : 0;
    finding = {
      kind: "zero-surface",
      message:
        totalLength > 0
          ? "the skeleton has no surface (all radii are zero); points were sampled along its segments"
          : "the skeleton has neither surface nor length; points were placed at its samples",
    };
    const P = m.positions;
    for (let n = 0; n < count; n++) {
      let x: number, y: number, z: number, type: number;
      if (totalLength > 0) {
        const k = pick(lenCum, rng.next() * totalLength);
        const o = 8 * k;
        const t = rng.next();
        x = prim.a[o]! + t * (prim.a[o + 4]! - prim.a[o]!);
        y = prim.a[o + 1]! + t * (prim.a[o + 5]! - prim.a[o + 1]!);
        z = prim.a[o + 2]! + t * (prim.a[o + 6]! - prim.a[o + 2]!);
        type = prim.types[k]!;
      } else {
        const i = rng.int(m.count);
        x = P[3 * i]!;
        y = P[3 * i + 1]!;
        z = P[3 * i + 2]!;
        type = Math.max(0, Math.min(255, m.types[i]!));
      }
      out[3 * n] = x;
      out[3 * n + 1] = y;
      out[3 * n + 2] = z;
      if (outTypes) outTypes[n] = type;
    }
  }
  const result: SurfaceSample = { points: out, soma: [...m.soma] };
  if (outTypes) result.types = outTypes;
  if (finding) result.finding = finding;
  return result;
}

/** Total lateral + soma surface area of the skeleton, in its units squared. */
export function surfaceArea(m: Morphology): number {
  const prim = buildPrimitives(m);
  let s = 0;
  for (let i = 0; i < prim.count; i++) s += prim.area[i]!;
  return s;
}
