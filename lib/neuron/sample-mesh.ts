import { Random } from "../core";

/** Options for sampleMesh; every field optional. */
export interface SampleMeshOptions {
  /** Number of points (default 100,000). */
  count?: number;
  /** Seed or generator (default seed 1996). */
  random?: number | Random;
}

/**
 * Points spread uniformly over a triangle mesh's surface: a triangle is
 * chosen with probability proportional to its area, then a uniform point in it.
 * A mesh whose triangles all have zero area gives its vertices instead.
 */
export function sampleMesh(vertices: Float32Array, triangles: Uint32Array, options: SampleMeshOptions = {}): Float32Array {
  const count = options.count ?? 100_000;
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`sampleMesh: count must be a positive integer, found ${count}`);
  const rng = options.random instanceof Random ? options.random : new Random(options.random ?? 1996);
  const nt = Math.floor(triangles.length / 3);
  const nv = Math.floor(vertices.length / 3);
  if (nv === 0) throw new RangeError("sampleMesh: the mesh has no vertices");
  const cum = new Float64Array(nt);
  let total = 0;
  for (let t = 0; t < nt; t++) {
    const a = 3 * triangles[3 * t]!,
      b = 3 * triangles[3 * t + 1]!,
      c = 3 * triangles[3 * t + 2]!;
    const ux = vertices[b]! - vertices[a]!,
      uy = vertices[b + 1]! - vertices[a + 1]!,
      uz = vertices[b + 2]! - vertices[a + 2]!;
    const vx = vertices[c]! - vertices[a]!,
      vy = vertices[c + 1]! - vertices[a + 1]!,
      vz = vertices[c + 2]! - vertices[a + 2]!;
    total += 0.5 * Math.hypot(uy * vz - uz * vy, uz * vx - ux * vz, ux * vy - uy * vx);
    cum[t] = total;
  }
  const out = new Float32Array(3 * count);
  if (!(total > 0)) {
    for (let n = 0; n < count; n++) out.set(vertices.subarray(3 * (n % nv), 3 * (n % nv) + 3), 3 * n);
    return out;
  }
  for (let n = 0; n < count; n++) {
    const u = rng.next() * total;
    let lo = 0,
      hi = nt - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cum[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    const a = 3 * triangles[3 * lo]!,
      b = 3 * triangles[3 * lo + 1]!,
      c = 3 * triangles[3 * lo + 2]!;
    // Uniform barycentric coordinates: sqrt on the first draw avoids crowding a corner.
    const s = Math.sqrt(rng.next());
    const r = rng.next();
    const wa = 1 - s,
      wb = s * (1 - r),
      wc = s * r;
    for (let k = 0; k < 3; k++) out[3 * n + k] = wa * vertices[a + k]! + wb * vertices[b + k]! + wc * vertices[c + k]!;
  }
  return out;
}
