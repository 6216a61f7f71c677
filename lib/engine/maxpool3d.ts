import type { KernelResult, Shape5 } from "./conv3d";
import { kernelPool } from "./threads";

/** Output extents of a k^3 / stride k max-pool without padding. */
function pooledShape(shape: Shape5, k: number): Shape5 {
  const [N, D, H, W, C] = shape;
  return [N, Math.floor(D / k), Math.floor(H / k), Math.floor(W / k), C];
}

/** Max-pool of x [N,D,H,W,C] with window k^3 and stride k (no padding). */
export function maxPool3d(x: Float32Array, shape: Shape5, k: number): KernelResult {
  const pool = kernelPool();
  pool.reset();
  const [N, OD, OH, OW, C] = pooledShape(shape, k);
  const size = shape.reduce((a, b) => a * b, 1);
  const xAt = pool.input(x.subarray(0, size));
  const oAt = pool.alloc(N * OD * OH * OW * C);
  const work = pool.counter(N * OD * OH);
  pool.run("maxpool_fwd", [xAt, oAt, ...shape, k, ...work]);
  return { data: pool.f32(oAt, N * OD * OH * OW * C), channels: C, stride: C };
}

/**
 * Gradient of maxPool3d: dy [N,D/k,H/k,W/k,C] goes to the last voxel (in
 * depth, height, width order) of each window that holds the maximum, as in
 * tfjs' reference kernel.
 */
export function maxPool3dGrad(x: Float32Array, dy: Float32Array, shape: Shape5, k: number): KernelResult {
  const pool = kernelPool();
  pool.reset();
  const [N, OD, OH, OW, C] = pooledShape(shape, k);
  const size = shape.reduce((a, b) => a * b, 1);
  const pooled = N * OD * OH * OW * C;
  const xAt = pool.input(x.subarray(0, size));
  const gAt = pool.input(dy.subarray(0, pooled));
  const dAt = pool.alloc(size);
  const work = pool.counter(N * OD * OH);
  const dx = pool.f32(dAt, size);
  // Voxels beyond the last whole window get no gradient; the kernel writes all others.
  if (OD * k !== shape[1] || OH * k !== shape[2] || OW * k !== shape[3]) dx.fill(0);
  pool.run("maxpool_grad", [xAt, gAt, dAt, ...shape, k, ...work]);
  return { data: pool.f32(dAt, size), channels: C, stride: C };
}
