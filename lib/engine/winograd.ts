import { correlationTap, padInput, roundUp8, type KernelResult, type Padding3, type Shape5 } from "./conv3d";
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

/** Floats of a thread's scratch (the layout in winograd.c): the larger of wino_filter's and wino_fwd's for blocks of T tiles. */
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
  const [N, D, H, W, C1] = xShape;
  const [KD, KH, KW, FI, FO] = filterShape;
  const m = options.tile;
  if (KD !== 3 || KH !== 3 || KW !== 3) throw new Error(`conv3d Winograd: filter ${filterShape.join("x")} is not 3x3x3`);
  if ((adjoint ? FO : FI) !== C1)
    throw new Error(`conv3d Winograd: input has ${C1} channels, filter ${filterShape.join("x")} expects ${adjoint ? FO : FI}`);
  if (C1 % 4 !== 0) throw new Error(`conv3d Winograd: input channels must be a multiple of 4, got ${C1}`);
  const C2 = adjoint ? FI : FO;
  const C2p = roundUp8(C2);
  const OD = D + pad.front + pad.back - 2;
  const OH = H + pad.top + pad.bottom - 2;
  const OW = W + pad.left + pad.right - 2;
  if (OD < 1 || OH < 1 || OW < 1)
    throw new Error(`conv3d Winograd: input ${xShape.join("x")} with padding ${JSON.stringify(pad)} has no output`);
  const TD = Math.ceil(OD / m);
  const TH = Math.ceil(OH / m);
  const TW = Math.ceil(OW / m);
  // Zeros after the padded input, so that the last tiles are whole.
  const tiled: Padding3 = { ...pad, back: TD * m + 2 - D - pad.front, bottom: TH * m + 2 - H - pad.top, right: TW * m + 2 - W - pad.left };
  const XD = TD * m + 2;
  const XH = TH * m + 2;
  const XW = TW * m + 2;
  const points = (m + 2) ** 3;
  const tiles = N * TD * TH * TW;
  const T = options.blockTiles ?? blockTiles(points, tiles, C1, C2p, pool.threads);

  const xAt = pool.alloc(N * XD * XH * XW * C1);
  const gAt = pool.alloc(27 * C1 * C2p);
  const uAt = pool.alloc(points * (C1 * C2p + PAD));
  const tAt = pool.alloc(1);
  const ss = scratchFloats(points, T, C1, C2p);
  const sAt = pool.alloc(pool.threads * ss);
  const oAt = pool.alloc(N * OD * OH * OW * C2p);

  padInput(pool, xAt, x, xShape, tiled);
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
