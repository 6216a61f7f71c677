import * as tf from "@tensorflow/tfjs";
import { ConfigError, Random } from "../core";
import { LATENT_GRID } from "../models";

/** Cells of the 8³ latent grid, index = (x·8 + y)·8 + z. */
export const LATENT_CELLS = LATENT_GRID ** 3;

/**
 * Which latent cells hold any occupied voxel in any sample of the batch:
 * the input max-pooled numBlocks times (one pool of side patchSize), then the
 * maximum over the batch. Returns LATENT_CELLS booleans.
 */
export function occupiedCells(x: tf.Tensor5D, patchSize: number): boolean[] {
  const pooled = tf.tidy(() => tf.max(tf.maxPool3d(x, patchSize, patchSize, "valid"), [0, 4]));
  const v = pooled.dataSync();
  pooled.dispose();
  if (v.length !== LATENT_CELLS)
    throw new ConfigError(`occupiedCells: expected a ${LATENT_GRID}³ latent grid; the input pools to ${v.length} cells`);
  // Occupancy is 0/1; comparing with 0.5 also sidesteps tfjs-wasm's Max,
  // which returns FLT_MIN (1.2e-38), not 0, for all-zero inputs.
  return Array.from(v, (a) => a > 0.5);
}

/**
 * The nLat choice of K latent cells (docs/models.md, "Dense and nLat training"). K = 1: with probability 0.5
 * (0 if nothing is occupied) a random occupied cell, else a random cell.
 * K > 1: min(K // 2, #occupied) distinct occupied cells, then
 * min(K − n_occ, 512 − n_occ) distinct random cells not chosen yet.
 */
export function chooseLatentCells(occupied: readonly boolean[], k: number, rng: Random): number[] {
  if (!Number.isInteger(k) || k < 1) throw new ConfigError(`nLat latent cells: expected an integer >= 1; found ${k}`);
  const occ: number[] = [];
  occupied.forEach((o, i) => {
    if (o) occ.push(i);
  });
  const n = occupied.length;
  if (k === 1) {
    const pOcc = occ.length > 0 ? 0.5 : 0;
    return rng.next() < pOcc ? [occ[rng.int(occ.length)]!] : [rng.int(n)];
  }
  const nOcc = Math.min(Math.floor(k / 2), occ.length);
  const chosen = rng.sampleWithoutReplacement(occ.length, nOcc).map((i) => occ[i]!);
  const taken = new Set(chosen);
  const rest: number[] = [];
  for (let i = 0; i < n; i++) if (!taken.has(i)) rest.push(i);
  const nRandom = Math.min(k - nOcc, n - nOcc);
  return chosen.concat(rng.sampleWithoutReplacement(rest.length, nRandom).map((i) => rest[i]!));
}

function cellCorner(cell: number, side: number): [number, number, number] {
  return [
    Math.floor(cell / (LATENT_GRID * LATENT_GRID)) * side,
    (Math.floor(cell / LATENT_GRID) % LATENT_GRID) * side,
    (cell % LATENT_GRID) * side,
  ];
}

/**
 * `side`³ blocks at the chosen cells of every sample, stacked into the batch
 * axis sample-major: [B·K, side, side, side, C]. Slices rather than a gather,
 * because the gather gradient needs a kernel the wasm backend lacks.
 */
function stackCells(t: tf.Tensor5D, cells: readonly number[], side: number): tf.Tensor5D {
  return tf.tidy(() => {
    const [b, , , , c] = t.shape;
    const blocks = cells.map((cell) => tf.slice(t, [0, ...cellCorner(cell, side), 0], [b, side, side, side, c]));
    return tf.reshape(tf.stack(blocks, 1), [b * cells.length, side, side, side, c]);
  });
}

/** The chosen cells of every sample stacked into the batch axis: [B·K, 1, 1, 1, C], sample-major. */
export function gatherLatentCells(latent: tf.Tensor5D, cells: readonly number[]): tf.Tensor5D {
  return stackCells(latent, cells, 1);
}

/** The input patches matching `cells`, in the same order: [B·K, p, p, p, 1]. */
export function gatherPatches(x: tf.Tensor5D, cells: readonly number[], patchSize: number): tf.Tensor5D {
  return stackCells(x, cells, patchSize);
}
