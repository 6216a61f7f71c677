import type { Shape5 } from "./conv3d";
import { blockTiles, filterGradientPlan, SCRATCH_BYTES, tileCount, type WinogradTile } from "./winograd";

/**
 * The environment variable that picks the algorithm of the stride-1 3×3×3
 * convolutions: "0" the direct kernel, "2" or "4" that Winograd tile
 * wherever it applies, unset or "auto" the measured choice below.
 */
export const WINOGRAD_ENV = "WORKBENCH_WINOGRAD";

/** WORKBENCH_WINOGRAD read: the tile it forces, null for the direct kernel, or "auto". */
function winogradSetting(): WinogradTile | null | "auto" {
  const setting = process.env[WINOGRAD_ENV] ?? "auto";
  if (setting === "0") return null;
  if (setting === "2" || setting === "4") return Number(setting) as WinogradTile;
  if (setting !== "auto") throw new Error(`${WINOGRAD_ENV}=${setting}: expected 0, 2, 4 or auto`);
  return setting;
}

/** Whether the Winograd kernels can run: a 3×3×3 filter at stride 1 on a multiple of 4 input channels. */
const applies = (C1: number, filterShape: Shape5, stride: number): boolean =>
  filterShape[0] === 3 && filterShape[1] === 3 && filterShape[2] === 3 && stride === 1 && C1 % 4 === 0;

/**
 * Time of the parts of a convolution, in units of one multiply-add of a
 * channel pair in the register tiles (the direct kernel's whole work, and
 * the Winograd kernels' per-point products). Read off bench/conv-layers.ts
 * and per-kernel timings on the development machine (docs/performance.md):
 * a transform costs about 5 units per channel value and transform point, the
 * filter transform (done per call) about 24 per channel pair and point, and
 * streaming a float of U or of a block's V and M from beyond the cache about 4.
 */
const COST = { product: 1, transform: 5, filterTransform: 24, stream: 4 };

/** Estimated cost of the direct kernel (tile 0) and of each tile, for an output of [OD, OH, OW] per sample. */
function estimate(tile: WinogradTile | 0, N: number, out: [number, number, number], C1: number, C2: number, threads: number): number {
  const [OD, OH, OW] = out;
  const C2p = Math.ceil(C2 / 8) * 8;
  if (tile === 0) return N * OD * OH * OW * 27 * C1 * C2p;
  const points = (tile + 2) ** 3;
  const tiles = N * Math.ceil(OD / tile) * Math.ceil(OH / tile) * Math.ceil(OW / tile);
  const T = blockTiles(points, tiles, C1, C2p, threads);
  const streamedPerTile = T * points * (C1 + C2p) * 4 > SCRATCH_BYTES ? 2 * points * (C1 + C2p) : 0;
  return (
    tiles * (points * (C1 * C2p * COST.product + (C1 + C2p) * COST.transform) + streamedPerTile * COST.stream) +
    points * C1 * C2p * (COST.filterTransform + Math.ceil(tiles / T) * COST.stream)
  );
}

/**
 * The choice is made for this batch and thread count whatever the real ones
 * are, so that a sample's result is the same bits in any batch and on any
 * number of threads (sharded embeddings equal unsharded ones; each tile is
 * computed alike in any block). 8 is the embedding batch, where most
 * convolutions run; at batch 1, F(2) would be 2 to 20 ms faster per layer
 * than the F(4) this picks for the 8³ and 10³ layers (docs/performance.md).
 */
const REFERENCE_BATCH = 8;
const REFERENCE_THREADS = 2;

/**
 * The Winograd tile for a correlation of x with a filter (with `adjoint`, the
 * input gradient: x is then dy) giving an output of `out` = [OD, OH, OW] per
 * sample, or null for the direct kernel: when the filter is not 3×3×3, the
 * stride is not 1, the input's channels are not a multiple of 4, or the
 * estimate says direct is faster. Depends on neither the batch nor the threads.
 */
export function winogradTile(
  xShape: Shape5,
  filterShape: Shape5,
  out: [number, number, number],
  stride: number,
  adjoint: boolean,
): WinogradTile | null {
  const C1 = xShape[4];
  const [, , , FI, FO] = filterShape;
  if (!applies(C1, filterShape, stride)) return null;
  const setting = winogradSetting();
  if (setting !== "auto") return setting;
  const C2 = adjoint ? FI : FO;
  const costs = ([0, 2, 4] as const).map((t) => estimate(t, REFERENCE_BATCH, out, C1, C2, REFERENCE_THREADS));
  const cheapest = costs.indexOf(Math.min(...costs));
  return cheapest === 0 ? null : cheapest === 1 ? 2 : 4;
}

/**
 * Kernel memory the Winograd filter gradient's sums may take: past it (the
 * 512-channel layers of AE-128 on many tiles) the direct kernel runs, whose
 * sums are 27 instead of (m + 2)³ taps per channel pair. Applies to forced
 * tiles too.
 */
const GRADIENT_SUM_CAP = 256 * 2 ** 20;

/**
 * The Winograd tile for the filter gradient of a correlation of x with a
 * filter of `filterShape` whose output is `out` = [OD, OH, OW] per sample, or
 * null for the direct kernel. By the output's shortest axis, from every
 * layer of AE-64 and VGG3D (bench/conv-layers.ts, docs/performance.md): F(4)
 * is fastest from 16 voxels on, F(2) on the 8³ and 10³ layers. Below 4
 * voxels (not among those layers) most of a tile would be padding, so the
 * direct kernel runs.
 */
export function winogradGradientTile(
  xShape: Shape5,
  filterShape: Shape5,
  out: [number, number, number],
  stride: number,
): WinogradTile | null {
  const C1 = xShape[4];
  if (!applies(C1, filterShape, stride)) return null;
  const setting = winogradSetting();
  const shortest = Math.min(...out);
  const tile = setting === "auto" ? (shortest >= 16 ? 4 : shortest >= 4 ? 2 : null) : setting;
  if (tile === null) return null;
  return filterGradientPlan(tile, tileCount(tile, xShape[0], out), C1, filterShape[4]).bytes <= GRADIENT_SUM_CAP ? tile : null;
}
