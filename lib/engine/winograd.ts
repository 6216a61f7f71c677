import {
  correlationTap,
  paddedInput,
  roundUp8,
  sumChunks,
  unpad,
  WGRAD_CHUNKS,
  type KernelResult,
  type Padding3,
  type Shape5,
} from "./conv3d";
import { kernelPool } from "./threads";

/** Side m of the output tiles of the Winograd kernels, F(m³, 3³) (kernels/winograd.c). */
export type WinogradTile = 2 | 4;

export interface WinogradOptions {
  tile: WinogradTile;
  /** Tiles a thread transforms and multiplies at a time; default blockTiles(). */
  blockTiles?: number;
}

/**
 * Scratch a thread keeps for the transforms of one block of tiles (input and
 * product for every transform point) while it fits: half of a core's L2 cache.
 */
export const SCRATCH_BYTES = 512 * 1024;

/** Floats after each transform point's block in U and the scratch (PAD in winograd.c). */
const PAD = 16;

/** Floats of a thread's scratch (the layout in winograd.c): the largest any kernel there needs for blocks of T tiles. */
const scratchFloats = (points: number, T: number, C1: number, C2: number): number =>
  Math.max(27 * C2 + 8 * points, points * (T * C1 + PAD + T * C2 + PAD + 8));

/**
 * Tiles per block, a multiple of 4 (the register tile) and at most an even
 * share of the tiles per thread. A block reads all of U (points·C1·C2
 * floats) once, and its V and M (points·(C1 + C2) per tile) stay in cache
 * while they fit the scratch budget: blocks grow past that budget when
 * streaming V and M costs less than re-reading U, i.e. up to
 * C1·C2 / (2·(C1 + C2)) tiles (the deep, small layers).
 */
export function blockTiles(points: number, tiles: number, C1: number, C2: number, threads: number): number {
  const fit = Math.floor(SCRATCH_BYTES / (4 * points * (C1 + C2)));
  const balance = Math.floor((C1 * C2) / (2 * (C1 + C2)));
  const share = Math.ceil(tiles / threads);
  return Math.max(4, Math.floor(Math.min(Math.max(fit, balance), share + 3) / 4) * 4);
}

/** The number of F(m³) tiles of an output of `out` per sample for a batch of N. */
export const tileCount = (tile: WinogradTile, N: number, out: [number, number, number]): number =>
  out.reduce((n, e) => n * Math.ceil(e / tile), N);

/** The tiles of a stride-1 3×3×3 correlation of x (with `pad`) by F(m³, 3³). */
interface Tiling {
  /** Output extents [OD, OH, OW]. */
  out: [number, number, number];
  /** Tiles per axis [TD, TH, TW]. */
  grid: [number, number, number];
  /** The padding that also makes the last tiles whole. */
  tiled: Padding3;
  /** Extents of the input so padded [XD, XH, XW]. */
  padded: [number, number, number];
  points: number;
  tiles: number;
}

function tiling(xShape: Shape5, pad: Padding3, m: WinogradTile): Tiling {
  const [N, D, H, W] = xShape;
  const out: [number, number, number] = [D + pad.front + pad.back - 2, H + pad.top + pad.bottom - 2, W + pad.left + pad.right - 2];
  if (out.some((e) => e < 1))
    throw new Error(`conv3d Winograd: input ${xShape.join("x")} with padding ${JSON.stringify(pad)} has no output`);
  const grid = out.map((e) => Math.ceil(e / m)) as [number, number, number];
  const [TD, TH, TW] = grid;
  const tiled: Padding3 = { ...pad, back: TD * m + 2 - D - pad.front, bottom: TH * m + 2 - H - pad.top, right: TW * m + 2 - W - pad.left };
  return { out, grid, tiled, padded: [TD * m + 2, TH * m + 2, TW * m + 2], points: (m + 2) ** 3, tiles: tileCount(m, N, out) };
}

/**
 * conv3dForward for a 3×3×3 filter at stride 1 by Winograd tiles: the same
 * correlation (with `adjoint`, the input gradient), the same result layout.
 * The input's channels must be a multiple of 4.
 */
export function conv3dWinograd(
  x: Float32Array,
  xShape: Shape5,
  filter: Float32Array,
  filterShape: Shape5,
  pad: Padding3,
  adjoint: boolean,
  options: WinogradOptions,
): KernelResult {
  const pool = kernelPool();
  pool.reset();
  const [N, , , , C1] = xShape;
  const [KD, KH, KW, FI, FO] = filterShape;
  const m = options.tile;
  if (KD !== 3 || KH !== 3 || KW !== 3) throw new Error(`conv3d Winograd: filter ${filterShape.join("x")} is not 3x3x3`);
  if ((adjoint ? FO : FI) !== C1)
    throw new Error(`conv3d Winograd: input has ${C1} channels, filter ${filterShape.join("x")} expects ${adjoint ? FO : FI}`);
  if (C1 % 4 !== 0) throw new Error(`conv3d Winograd: input channels must be a multiple of 4, got ${C1}`);
  const C2 = adjoint ? FI : FO;
  const C2p = roundUp8(C2);
  const { out, tiled, padded, points, tiles } = tiling(xShape, pad, m);
  const [OD, OH, OW] = out;
  const [XD, XH, XW] = padded;
  const T = options.blockTiles ?? blockTiles(points, tiles, C1, C2p, pool.threads);

  const xAt = paddedInput(pool, x, xShape, tiled);
  const gAt = pool.alloc(27 * C1 * C2p);
  const uAt = pool.alloc(points * (C1 * C2p + PAD));
  const tAt = pool.alloc(1);
  const ss = scratchFloats(points, T, C1, C2p);
  const sAt = pool.alloc(pool.threads * ss);
  const oAt = pool.alloc(N * OD * OH * OW * C2p);

  pool.i32(tAt, 1)[0] = 0;
  // The taps as [27][C1][C2p]: the filter itself when it needs neither flipping nor channel padding.
  const g = pool.f32(gAt, 27 * C1 * C2p);
  if (!adjoint && C2p === C2) g.set(filter.subarray(0, g.length));
  else {
    g.fill(0);
    const tap = correlationTap(filter, filterShape, adjoint);
    for (let t = 0; t < 27; t++)
      for (let c1 = 0; c1 < C1; c1++) for (let c2 = 0; c2 < C2; c2++) g[(t * C1 + c1) * C2p + c2] = tap(t, c1, c2);
  }
  pool.run("wino_filter", [gAt, uAt, sAt, ss, C1, C2p, m, ...pool.counter(C1)]);
  pool.run("wino_fwd", [xAt, uAt, oAt, tAt, sAt, ss, N, XD, XH, XW, C1, OD, OH, OW, C2p, m, ...pool.counter(tiles, T)]);
  return { data: pool.f32(oAt, N * OD * OH * OW * C2p), channels: C2, stride: C2p };
}

/**
 * Kernel memory for the transforms of all tiles at once, below which the
 * filter gradient keeps them all and sums per transform point (no per-chunk
 * copies of dU, whose zeroing and adding dominate when tiles are few).
 */
const ALL_TRANSFORMS_BYTES = 64 * 2 ** 20;

/** How conv3dWinogradFilterGradient sums, from the shapes alone. */
export interface FilterGradientPlan {
  /** Few tiles: every tile's transforms kept, summed per transform point into one dU. */
  keepAll: boolean;
  /** Otherwise: tiles per chunk and chunks, each summed into its own copy of dU. */
  chunk: number;
  chunks: number;
  /** Kernel memory the sums (and kept transforms) take. */
  bytes: number;
}

export function filterGradientPlan(tile: WinogradTile, tiles: number, C1: number, C2: number): FilterGradientPlan {
  const C2p = roundUp8(C2);
  const points = (tile + 2) ** 3;
  const sum = 4 * points * (C1 * C2p + PAD);
  const transforms = 4 * points * (tiles * (C1 + C2p) + 2 * PAD);
  if (transforms <= ALL_TRANSFORMS_BYTES) return { keepAll: true, chunk: tiles, chunks: 1, bytes: sum + transforms };
  const chunk = Math.ceil(tiles / WGRAD_CHUNKS);
  const chunks = Math.ceil(tiles / chunk);
  return { keepAll: false, chunk, chunks, bytes: chunks * sum };
}

/**
 * conv3dFilterGradient for a 3×3×3 filter at stride 1 by Winograd tiles:
 * the gradient [3,3,3,C1,C2] of the correlation of x (with `pad`) whose
 * output gradient is dy. Every sum runs in an order fixed by the shapes
 * alone (per transform point over all tiles, or over WGRAD_CHUNKS fixed
 * chunks of tiles added in order), so the result is the same bits on any
 * number of threads and for any block size. The input's
 * channels must be a multiple of 4.
 */
export function conv3dWinogradFilterGradient(
  x: Float32Array,
  xShape: Shape5,
  dy: Float32Array,
  dyShape: Shape5,
  pad: Padding3,
  options: WinogradOptions,
): Float32Array {
  const pool = kernelPool();
  pool.reset();
  const [N, , , , C1] = xShape;
  const C2 = dyShape[4];
  const m = options.tile;
  if (C1 % 4 !== 0) throw new Error(`conv3d Winograd filter gradient: input channels must be a multiple of 4, got ${C1}`);
  const { out, grid, tiled, padded, points, tiles } = tiling(xShape, pad, m);
  if (dyShape[0] !== N || out.some((e, i) => e !== dyShape[i + 1]))
    throw new Error(`conv3d Winograd filter gradient: output gradient ${dyShape.join("x")} does not fit input ${xShape.join("x")}`);
  const [OD, OH, OW] = out;
  const [XD, XH, XW] = padded;
  const [TD, TH, TW] = grid;
  const C2p = roundUp8(C2);
  const sumSize = points * (C1 * C2p + PAD);
  const xAt = paddedInput(pool, x, xShape, tiled);
  const whole: Padding3 = { front: 0, back: TD * m - OD, top: 0, bottom: TH * m - OH, left: 0, right: TW * m - OW };
  const dAt = paddedInput(pool, dy, dyShape, whole, C2p);
  const plan = filterGradientPlan(m, tiles, C1, C2);
  let uAt: number;
  let ss: number;
  let sAt: number;
  if (plan.keepAll) {
    const vs = tiles * C1 + PAD;
    const ms = tiles * C2p + PAD;
    const vAt = pool.alloc(points * vs);
    const mAt = pool.alloc(points * ms);
    uAt = pool.alloc(sumSize);
    ss = 8 * points;
    sAt = pool.alloc(pool.threads * ss);
    const transform = [xAt, dAt, vAt, vs, mAt, ms, sAt, ss, N, XD, XH, XW, C1, OD, OH, OW, C2p, m];
    pool.run("wino_wgrad_transform", [...transform, ...pool.counter(tiles, Math.max(1, Math.ceil(tiles / (4 * pool.threads))))]);
    pool.run("wino_wgrad_points", [vAt, vs, mAt, ms, uAt, tiles, C1, C2p, m, ...pool.counter(points, 1)]);
  } else {
    const T = options.blockTiles ?? blockTiles(points, plan.chunk, C1, C2p, 1);
    uAt = pool.alloc(plan.chunks * sumSize);
    ss = scratchFloats(points, T, C1, C2p);
    sAt = pool.alloc(pool.threads * ss);
    pool.run("wino_wgrad", [xAt, dAt, uAt, sAt, ss, N, XD, XH, XW, C1, OD, OH, OW, C2p, m, T, ...pool.counter(tiles, plan.chunk)]);
    sumChunks(pool, uAt, sumSize, plan.chunks);
  }
  const fAt = pool.alloc(27 * C1 * C2p);
  pool.run("wino_wgrad_taps", [uAt, fAt, sAt, ss, C1, C2p, m, ...pool.counter(C1)]);
  return unpad({ data: pool.f32(fAt, 27 * C1 * C2p), channels: C2, stride: C2p });
}
