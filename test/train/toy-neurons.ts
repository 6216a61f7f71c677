import { random } from "../../lib/core";
import { memorySource, VoxelSource } from "../../lib/train";

/**
 * Small stick figures in a g³ grid (a soma blob and a few straight
 * branches), seeded, so training tests need no files and stay fast.
 */
export function toyNeuron(grid: number, seed: number): Uint8Array {
  const rng = random(seed);
  const v = new Uint8Array(grid ** 3);
  const set = (x: number, y: number, z: number) => {
    const [i, j, k] = [Math.round(x), Math.round(y), Math.round(z)];
    if (i >= 0 && j >= 0 && k >= 0 && i < grid && j < grid && k < grid) v[(i * grid + j) * grid + k] = 1;
  };
  const c = grid / 2 + rng.uniform(-2, 2);
  for (let dx = -1; dx <= 1; dx++) for (let dy = -1; dy <= 1; dy++) for (let dz = -1; dz <= 1; dz++) set(c + dx, c + dy, c + dz);
  const branches = 2 + rng.int(3);
  for (let b = 0; b < branches; b++) {
    const d = [rng.normal(), rng.normal(), rng.normal()];
    const n = Math.hypot(d[0]!, d[1]!, d[2]!);
    const len = rng.uniform(grid / 4, grid / 2);
    for (let s = 0; s < len; s += 0.5) set(c + (d[0]! / n) * s, c + (d[1]! / n) * s, c + (d[2]! / n) * s);
  }
  return v;
}

/** A source with `train` and `val` splits of toy neurons. */
export function toySource(grid: number, nTrain: number, nVal: number, seed = 1): VoxelSource {
  const split = (prefix: string, n: number, offset: number) =>
    Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, toyNeuron(grid, seed * 1000 + offset + i)]));
  return memorySource({ train: split("t", nTrain, 0), val: split("v", nVal, 500) });
}
