import * as tf from "@tensorflow/tfjs";
import { ConfigError } from "../core";

/**
 * Where training reads neurons from: what lib/dataset's openDataset returns
 * satisfies it, and tests use small in-memory sources.
 */
export interface VoxelSource {
  /** Neuron ids of a split ("train", "val", "test"), in a fixed order. */
  ids(split: string): string[];
  /** The occupancy grid of a neuron: gridSize³ values, x-major ([x][y][z]). */
  grid(id: string, gridSize: number): Uint8Array | Promise<Uint8Array>;
}

/** Neurons stacked into a [B, g, g, g, 1] float tensor. */
export async function loadBatch(source: VoxelSource, ids: readonly string[], grid: number): Promise<tf.Tensor5D> {
  const n = grid ** 3;
  const data = new Float32Array(ids.length * n);
  const grids = await Promise.all(ids.map((id) => Promise.resolve(source.grid(id, grid))));
  grids.forEach((g, i) => {
    if (g.length !== n) throw new ConfigError(`neuron ${ids[i]}: expected a ${grid}³ grid (${n} voxels); found ${g.length} values`);
    const off = i * n;
    for (let j = 0; j < n; j++) data[off + j] = g[j]! > 0 ? 1 : 0;
  });
  return tf.tensor5d(data, [ids.length, grid, grid, grid, 1]);
}

/** A VoxelSource over grids held in memory, e.g. for tests and notebooks. */
export function memorySource(splits: Record<string, Record<string, Uint8Array>>): VoxelSource {
  return {
    ids: (split) => Object.keys(splits[split] ?? {}),
    grid: (id, gridSize) => {
      for (const s of Object.values(splits)) {
        const g = s[id];
        if (g) {
          if (g.length !== gridSize ** 3)
            throw new ConfigError(`neuron ${id}: held at ${Math.round(Math.cbrt(g.length))}³, asked for ${gridSize}³`);
          return g;
        }
      }
      throw new ConfigError(`neuron ${id}: not in this source`);
    },
  };
}
