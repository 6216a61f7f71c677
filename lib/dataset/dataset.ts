import * as fs from "node:fs";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { WorkbenchError, workerEntry, writeFileAtomic, Random } from "../core";
import type { OnProgress } from "../core";
import { centre, coordinateRange, mergeRanges } from "../neuron";
import type { NormaliseRange } from "../neuron";
import type { VoxelArray } from "../voxel";
import { decodeGrid, decodeGridAsync, isCompleteCacheFile } from "./cache-file";
import { buildOne, cachePath, sourcePath } from "./build";
import { loadPointCloud } from "./source";
import { DEFAULT_INFO, MANIFEST, formatManifest, parseManifest, readInfo, writeInfo } from "./manifest";
import type { DatasetInfo, DatasetRow } from "./manifest";

/** An opened dataset directory; satisfies lib/train's VoxelSource. */
export interface Dataset {
  dir: string;
  info: DatasetInfo;
  rows: DatasetRow[];
  /** Ids of a split in manifest order (all ids when no split is given). */
  ids(split?: string): string[];
  row(id: string): DatasetRow;
  /** The cached grid (size³, 0/1, x-major [x][y][z]); throws when the cache lacks it. */
  grid(id: string, size: number): Uint8Array;
  /** The same, read and inflated off the main thread; unpacked into `out` (bytes or floats, e.g. a slot of a batch) when given. */
  gridAsync<T extends VoxelArray = Uint8Array>(id: string, size: number, out?: T): Promise<T>;
  hasGrid(id: string, size: number): boolean;
  /** Absolute path of a neuron's source file. */
  sourceFile(id: string): string;
}

export function openDataset(dir: string): Dataset {
  const info = readInfo(dir);
  const mfile = path.join(dir, MANIFEST);
  if (!fs.existsSync(mfile)) throw new WorkbenchError(`${dir}: no ${MANIFEST}`);
  const { rows } = parseManifest(fs.readFileSync(mfile, "utf8"), mfile);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const bySplit = new Map<string, string[]>();
  for (const r of rows) {
    if (!bySplit.has(r.split)) bySplit.set(r.split, []);
    bySplit.get(r.split)!.push(r.id);
  }
  const row = (id: string): DatasetRow => {
    const r = byId.get(id);
    if (!r) throw new WorkbenchError(`${dir}: no neuron with id "${id}" in the manifest`);
    return r;
  };
  const cacheFile = (id: string, size: number): string => {
    row(id);
    const file = cachePath(dir, id, size);
    if (!fs.existsSync(file)) {
      throw new WorkbenchError(
        `${dir}: neuron "${id}" has no cached ${size}³ grid; build it with \`npm run dataset -- cache ${dir} --grids ${size}\` (in a notebook: buildCache(dir, { sizes: [${size}] }))`,
      );
    }
    return file;
  };
  return {
    dir,
    info,
    rows,
    ids: (split) => (split === undefined ? rows.map((r) => r.id) : [...(bySplit.get(split) ?? [])]),
    row,
    grid: (id, size) => {
      const file = cacheFile(id, size);
      return decodeGrid(fs.readFileSync(file), size, file);
    },
    gridAsync: async (id, size, out) => {
      const file = cacheFile(id, size);
      return decodeGridAsync(await fs.promises.readFile(file), size, file, out);
    },
    hasGrid: (id, size) => isCompleteCacheFile(cachePath(dir, id, size), size),
    sourceFile: (id) => sourcePath(dir, row(id)),
  };
}

/** Options for createDataset; every field optional. */
export interface CreateDatasetOptions extends Partial<Omit<DatasetInfo, "format" | "version" | "labelColumns">> {
  /** Label columns to write, in order (default: every label key found, first-seen order). */
  labelColumns?: string[];
}

/** Writes manifest.csv and dataset.json for `rows` (sources are not touched). */
export function createDataset(dir: string, rows: DatasetRow[], options: CreateDatasetOptions = {}): Dataset {
  const labelColumns = options.labelColumns ?? [...new Set(rows.flatMap((r) => Object.keys(r.labels)))];
  const { labelColumns: _ignored, ...rest } = options;
  const info: DatasetInfo = { ...DEFAULT_INFO, ...rest, labelColumns, format: "neuron-voxel-dataset", version: 1 };
  fs.mkdirSync(dir, { recursive: true });
  const text = formatManifest(rows, labelColumns);
  // Parse what we are about to write so a bad row fails here, not when training starts.
  parseManifest(text, path.join(dir, MANIFEST));
  writeFileAtomic(path.join(dir, MANIFEST), text);
  writeInfo(dir, info);
  return openDataset(dir);
}

/**
 * Dataset-wide normalisation constants: the min and max over every centred
 * coordinate of the neurons in `splits` (default the training split), stored in
 * dataset.json so every grid, now and later, uses the same scale.
 */
export function computeDatasetRange(dir: string, options: { splits?: string[]; onProgress?: OnProgress } = {}): NormaliseRange {
  const ds = openDataset(dir);
  const splits = options.splits ?? ["train"];
  const rows = ds.rows.filter((r) => splits.includes(r.split));
  if (rows.length === 0) throw new WorkbenchError(`${dir}: no neurons in split(s) ${splits.join(", ")} to compute the range from`);
  const range = rangeOfRows(dir, rows, ds.info, options.onProgress);
  if (range === null) throw new WorkbenchError("computeDatasetRange: stopped before all neurons were read; nothing was stored");
  writeInfo(dir, { ...ds.info, normalisation: range });
  return range;
}

/** The range over `rows` (sources relative to `dir`) as `info` samples and centres them; null when onProgress asked to stop. */
export function rangeOfRows(
  dir: string,
  rows: readonly DatasetRow[],
  info: Pick<DatasetInfo, "points" | "seed" | "npzScale" | "centre">,
  onProgress?: OnProgress,
): NormaliseRange | null {
  const ranges: NormaliseRange[] = [];
  for (const r of rows) {
    const cloud = loadPointCloud(sourcePath(dir, r), { points: info.points, seed: info.seed, npzScale: info.npzScale });
    ranges.push(coordinateRange(centre(cloud.points, info.centre, r.soma ?? cloud.soma)));
    if (onProgress?.({ done: ranges.length, total: rows.length, label: "range" }) === false && ranges.length < rows.length) return null;
  }
  return mergeRanges(ranges);
}

/** Options for buildCache; every field optional. */
export interface BuildCacheOptions {
  /** Grid sizes to build (default [64]). */
  sizes?: number[];
  /** Only these ids (default all). */
  ids?: string[];
  /** Worker threads (default 1: build on this thread). */
  workers?: number;
  onProgress?: OnProgress;
}

export interface BuildCacheResult {
  /** Neurons voxelised now. */
  built: number;
  /** Neurons whose grids were all cached already. */
  skipped: number;
  /** Neurons that could not be read, with why: reported, not thrown, so one bad file does not stop 40,000. */
  failed: Array<{ id: string; message: string }>;
  /** True when onProgress asked to stop; calling again resumes. */
  stopped: boolean;
  seconds: number;
}

/**
 * Voxelises every neuron into the cache, once: grids already cached are
 * skipped, so an interrupted build resumes where it stopped.
 */
export async function buildCache(dir: string, options: BuildCacheOptions = {}): Promise<BuildCacheResult> {
  const ds = openDataset(dir);
  const sizes = options.sizes ?? [64];
  for (const s of sizes)
    if (!Number.isInteger(s) || s < 8) throw new WorkbenchError(`buildCache: grid sizes must be integers >= 8, found ${s}`);
  const rows = options.ids ? options.ids.map((id) => ds.row(id)) : ds.rows;
  const start = Date.now();
  const result: BuildCacheResult = { built: 0, skipped: 0, failed: [], stopped: false, seconds: 0 };
  const report = (): boolean => {
    const done = result.built + result.skipped + result.failed.length;
    const values = result.failed.length > 0 ? { failed: result.failed.length } : undefined;
    return options.onProgress?.({ done, total: rows.length, label: "voxelising", values }) !== false;
  };
  const record = (id: string, written: number | undefined, error: string | undefined): boolean => {
    if (error !== undefined) result.failed.push({ id, message: error });
    else if (written! > 0) result.built++;
    else result.skipped++;
    return report();
  };
  const workers = Math.max(1, Math.min(options.workers ?? 1, rows.length));
  if (workers === 1) {
    for (const r of rows) {
      let written: number | undefined;
      let error: string | undefined;
      try {
        written = buildOne(dir, ds.info, r, sizes);
      } catch (e) {
        error = (e as Error).message;
      }
      if (!record(r.id, written, error)) {
        result.stopped = true;
        break;
      }
      // Let timers, notebook output and stop signals in between neurons: a
      // turn of the event loop costs microseconds, a neuron milliseconds.
      await new Promise((res) => setImmediate(res));
    }
  } else {
    await buildWithWorkers(dir, ds.info, rows, sizes, workers, record, () => (result.stopped = true));
  }
  result.seconds = (Date.now() - start) / 1000;
  return result;
}

async function buildWithWorkers(
  dir: string,
  info: DatasetInfo,
  rows: DatasetRow[],
  sizes: number[],
  count: number,
  record: (id: string, written: number | undefined, error: string | undefined) => boolean,
  onStop: () => void,
): Promise<void> {
  // The compiled cache-worker.js, or cache-worker.ts when running from the sources.
  const code = workerEntry(path.join(__dirname, `cache-worker${path.extname(__filename)}`));
  let next = 0;
  let stop = false;
  await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<void>((resolve, reject) => {
          const w = new Worker(code, { eval: true, workerData: { dir, info, sizes } });
          const feed = (): void => {
            if (stop || next >= rows.length) w.postMessage(null);
            else w.postMessage(rows[next++]);
          };
          w.on("message", (m: { id: string; written?: number; error?: string }) => {
            if (!record(m.id, m.written, m.error) && !stop) {
              stop = true;
              onStop();
            }
            feed();
          });
          w.on("error", reject);
          w.on("exit", () => resolve());
          feed();
        }),
    ),
  );
}

/** Options for batches; every field optional except size. */
export interface BatchOptions {
  /** Grid size to read. */
  size: number;
  /** Split to iterate (default "train"). */
  split?: string;
  /** Neurons per batch (default 10). */
  batchSize?: number;
  /** Shuffle seed (default 1996); the order of epoch e depends only on seed and e. */
  seed?: number;
  /** Epoch number, for the shuffle (default 0). */
  epoch?: number;
  /** Shuffle (default true). */
  shuffle?: boolean;
  /** Drop a last, smaller batch (default false). */
  dropLast?: boolean;
  /** Start at this batch of the epoch, e.g. when resuming (default 0). */
  startBatch?: number;
  /** Batches read ahead while the caller computes (default 2). */
  prefetch?: number;
}

export interface Batch {
  /** Position of the batch within the epoch. */
  index: number;
  ids: string[];
  /** Occupancy as float 0/1, laid out [B, size, size, size, 1] (channels last). */
  data: Float32Array;
  shape: [number, number, number, number, number];
}

/** The order of an epoch: a seeded permutation that depends only on (seed, epoch). */
export function epochOrder(ids: readonly string[], seed: number, epoch: number): string[] {
  const rng = new Random(((seed >>> 0) ^ Math.imul(epoch + 1, 0x9e3779b1)) >>> 0);
  return rng.shuffle([...ids]);
}

/**
 * Batches of one epoch (see readBatches for the reading ahead).
 */
export async function* batches(ds: Dataset, options: BatchOptions): AsyncGenerator<Batch> {
  const batchSize = options.batchSize ?? 10;
  const ids = ds.ids(options.split ?? "train");
  const order = options.shuffle === false ? ids : epochOrder(ids, options.seed ?? 1996, options.epoch ?? 0);
  const full = Math.floor(order.length / batchSize);
  const count = options.dropLast || order.length % batchSize === 0 ? full : full + 1;
  const groups = Array.from({ length: count }, (_, b) => order.slice(b * batchSize, (b + 1) * batchSize));
  yield* readBatches(ds, groups, options.size, { start: options.startBatch, prefetch: options.prefetch });
}

/**
 * The batches `groups[start..]` (each group the ids of one batch), in order.
 * While the caller works on one batch, the next `prefetch` (default 2) are
 * read and inflated on libuv's thread pool and unpacked straight into their
 * float batch, so no grid is copied on the way; 0 reads each when asked for.
 */
export async function* readBatches(
  ds: Dataset,
  groups: readonly (readonly string[])[],
  size: number,
  options: { start?: number; prefetch?: number } = {},
): AsyncGenerator<Batch> {
  const prefetch = options.prefetch ?? 2;
  if (!Number.isInteger(prefetch) || prefetch < 0)
    throw new WorkbenchError(`readBatches: prefetch should be a whole number >= 0; found ${prefetch}`);
  const voxels = size * size * size;
  const load = async (b: number): Promise<Batch> => {
    const bids = [...groups[b]!];
    const data = new Float32Array(bids.length * voxels);
    await Promise.all(bids.map((id, i) => ds.gridAsync(id, size, data.subarray(i * voxels, (i + 1) * voxels))));
    return { index: b, ids: bids, data, shape: [bids.length, size, size, size, 1] };
  };
  const queue: Array<Promise<Batch>> = [];
  let nextToLoad = options.start ?? 0;
  const fill = (ahead: number): void => {
    while (queue.length < ahead && nextToLoad < groups.length) {
      const p = load(nextToLoad++);
      // Errors surface when the batch is awaited; keep Node from reporting them early.
      p.catch(() => undefined);
      queue.push(p);
    }
  };
  fill(1);
  while (queue.length > 0) {
    const b = await queue.shift()!;
    fill(prefetch);
    yield b;
    fill(1);
  }
}
