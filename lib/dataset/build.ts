import * as fs from "node:fs";
import * as path from "node:path";
import type { NormaliseRange } from "../neuron";
import { neuronGrid } from "../voxel";
import { countOccupied } from "../voxel";
import { encodeGrid, isCompleteCacheFile, writeCacheFile } from "./cache-file";
import { loadPointCloud } from "./source";
import { safeId } from "./manifest";
import type { DatasetInfo, DatasetRow } from "./manifest";

/** Where a neuron's grid of a given size is cached. */
export function cachePath(dir: string, id: string, size: number): string {
  return path.join(dir, "cache", String(size), `${safeId(id)}.nvx`);
}

/** The grid sizes the cache holds a folder for, ascending. */
export function cachedSizes(dir: string): number[] {
  const cache = path.join(dir, "cache");
  if (!fs.existsSync(cache)) return [];
  return fs
    .readdirSync(cache)
    .filter((name) => /^[1-9][0-9]*$/.test(name) && fs.statSync(path.join(cache, name)).isDirectory())
    .map(Number)
    .sort((a, b) => a - b);
}

export function sourcePath(dir: string, row: DatasetRow): string {
  return path.isAbsolute(row.source) ? row.source : path.join(dir, row.source);
}

/** Voxelises one neuron at every size not cached yet; returns how many grids it wrote. */
export function buildOne(dir: string, info: DatasetInfo, row: DatasetRow, sizes: readonly number[]): number {
  const todo = sizes.filter((s) => !isCompleteCacheFile(cachePath(dir, row.id, s), s));
  if (todo.length === 0) return 0;
  const cloud = loadPointCloud(sourcePath(dir, row), { points: info.points, seed: info.seed, npzScale: info.npzScale });
  if (row.soma) cloud.soma = row.soma;
  const range: NormaliseRange | undefined = info.normalisation === "shape" ? undefined : info.normalisation;
  for (const size of todo) {
    const g = neuronGrid(cloud, { size, centre: info.centre, range });
    const file = cachePath(dir, row.id, size);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeCacheFile(file, encodeGrid(g.data, size, countOccupied(g.data)));
  }
  return todo.length;
}
