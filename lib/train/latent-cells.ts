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
  if (v.length !== LATENT_CELLS) throw new ConfigError(`occupiedCells: expected a ${LATENT_GRID}³ latent grid; the input pools to ${v.length} cells`);
  return Array.from(v, (a) => a > 0);
}

/**
 * The nLat choice of K latent cells (SPEC.md). K = 1: with probability 0.5
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

/** The chosen cells of every sample stacked into the batch axis: [B·K, 1, 1, 1, C], sample-major. */
export function gatherLatentCells(latent: tf.Tensor5D, cells: readonly number[]): tf.Tensor5D {
  return tf.tidy(() => {
    const [b, , , , c] = latent.shape;
    const flat = tf.reshape(latent, [b, LATENT_CELLS, c]);
    return tf.reshape(tf.gather(flat, tf.tensor1d(cells as number[], "int32"), 1), [b * cells.length, 1, 1, 1, c]);
  });
}

/** The input patches matching `cells`, in the same order: [B·K, p, p, p, 1]. */
export function gatherPatches(x: tf.Tensor5D, cells: readonly number[], patchSize: number): tf.Tensor5D {
  return tf.tidy(() => {
    const b = x.shape[0];
    const g = LATENT_GRID;
    const p = patchSize;
    const blocks = tf.transpose(tf.reshape(x, [b, g, p, g, p, g, p]), [0, 1, 3, 5, 2, 4, 6]);
    const flat = tf.reshape(blocks, [b, LATENT_CELLS, p * p * p]);
    return tf.reshape(tf.gather(flat, tf.tensor1d(cells as number[], "int32"), 1), [b * cells.length, p, p, p, 1]);
  });
}
