import type { Shape5 } from "./conv3d";
import type { WinogradTile } from "./winograd";

/**
 * The environment variable that picks the algorithm of the stride-1 3×3×3
 * convolutions: "0" the direct kernel, "2" or "4" that Winograd tile
 * wherever it applies, unset or "auto" the measured choice below.
 */
export const WINOGRAD_ENV = "WORKBENCH_WINOGRAD";

/**
 * Time of one convolution, in units of one direct multiply-add of a channel
 * pair at one output voxel, per unit of work. Fitted to bench/conv-layers.ts
 * on the development machine (see docs/performance.md).
 */
const COST = {
  /** One multiply-add of the per-point matrix products (same register tiles as the direct kernel). */
  product: 1,
  /** One input-channel value of an input tile transform, per transform point. */
  inputTransform: 1,
  /** One output-channel value of an output tile transform, per transform point. */
  outputTransform: 1,
  /** One channel pair of the filter transform, per transform point. */
  filterTransform: 1,
};

/** Estimated cost of the direct kernel (tile 0) and of each tile, for an output of [OD, OH, OW] per sample. */
function estimate(tile: WinogradTile | 0, N: number, out: [number, number, number], C1: number, C2: number): number {
  const [OD, OH, OW] = out;
  const C2p = Math.ceil(C2 / 8) * 8;
  if (tile === 0) return N * OD * OH * OW * 27 * C1 * C2p;
  const points = (tile + 2) ** 3;
  const tiles = N * Math.ceil(OD / tile) * Math.ceil(OH / tile) * Math.ceil(OW / tile);
  return (
    tiles * points * (C1 * C2p * COST.product + C1 * COST.inputTransform + C2p * COST.outputTransform) +
    points * C1 * C2p * COST.filterTransform
  );
}

/**
 * The Winograd tile for a correlation of x with a filter (with `adjoint`, the
 * input gradient: x is then dy) giving an output of `out` = [OD, OH, OW] per
 * sample, or null for the direct kernel: when the filter is not 3×3×3, the
 * stride is not 1, the input's channels are not a multiple of 4, or the
 * estimate says direct is faster.
 */
export function winogradTile(xShape: Shape5, filterShape: Shape5, out: [number, number, number], stride: number, adjoint: boolean): WinogradTile | null {
  const [N, , , , C1] = xShape;
  const [KD, KH, KW, FI, FO] = filterShape;
  if (KD !== 3 || KH !== 3 || KW !== 3 || stride !== 1 || C1 % 4 !== 0) return null;
  const setting = process.env[WINOGRAD_ENV] ?? "auto";
  if (setting === "0") return null;
  if (setting === "2" || setting === "4") return Number(setting) as WinogradTile;
  if (setting !== "auto") throw new Error(`${WINOGRAD_ENV}=${setting}: expected 0, 2, 4 or auto`);
  const C2 = adjoint ? FI : FO;
  const costs = ([0, 2, 4] as const).map((t) => estimate(t, N, out, C1, C2));
  const cheapest = costs.indexOf(Math.min(...costs));
  return cheapest === 0 ? null : cheapest === 1 ? 2 : 4;
}
