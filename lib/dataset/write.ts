import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError, definedFields, WorkbenchError } from "../core";
import type { OnProgress } from "../core";
import type { NormaliseRange } from "../neuron";
import { cachedSizes, cachePath } from "./build";
import { createDataset, openDataset, rangeOfRows } from "./dataset";
import type { CreateDatasetOptions, Dataset } from "./dataset";
import { DEFAULT_INFO, INFO, MANIFEST } from "./manifest";
import type { DatasetInfo, DatasetRow } from "./manifest";

/** Options for writeDataset; every field optional. */
export interface WriteDatasetOptions extends Omit<CreateDatasetOptions, "normalisation"> {
  /**
   * "shape" (default): each neuron scaled by its own range; "dataset": one
   * range from the training split, computed here (kept from the directory's
   * previous dataset when its training neurons and sampling are the same).
   */
  normalise?: "shape" | "dataset";
  /** Replace a previous dataset even when its settings or splits differ; its grids that no longer match are deleted (default false). */
  force?: boolean;
  /** Progress of the range computation; returning false stops it with a WorkbenchError, and nothing is written. */
  onProgress?: OnProgress;
}

export interface WriteDatasetResult {
  dataset: Dataset;
  /**
   * What the directory held: "none", "same" (this manifest and these
   * settings: a re-run), "updated" (neurons added, removed or relabelled; no
   * neuron changed split), "replaced" (other settings or splits, with force).
   */
  previous: "none" | "same" | "updated" | "replaced";
  /** Cached grids deleted because they were made under other settings or from another file. */
  deletedGrids: number;
}

/** The settings a cached grid depends on, as "name old → new". */
type Settings = Pick<DatasetInfo, "centre" | "points" | "seed" | "npzScale"> & { normalise: "shape" | "dataset" };

function settingsOf(info: DatasetInfo): Settings {
  return {
    centre: info.centre,
    points: info.points,
    seed: info.seed,
    npzScale: info.npzScale,
    normalise: info.normalisation === "shape" ? "shape" : "dataset",
  };
}

/** What a grid of a row is made from besides the settings. */
function gridInput(r: DatasetRow): string {
  return JSON.stringify([r.source, r.soma]);
}

function sameRange(a: DatasetInfo["normalisation"], b: NormaliseRange): boolean {
  return a !== "shape" && a.min === b.min && a.max === b.max;
}

function list(items: string[], max = 3): string {
  return items.length <= max ? items.join(", ") : `${items.slice(0, max).join(", ")} and ${items.length - max} more`;
}

/** Deletes the cached grids of `ids` at every size; `ids` undefined deletes the whole cache. */
function deleteGrids(dir: string, ids?: readonly string[]): number {
  let deleted = 0;
  for (const size of cachedSizes(dir)) {
    const folder = path.join(dir, "cache", String(size));
    const files = ids ? ids.map((id) => cachePath(dir, id, size)) : fs.readdirSync(folder).map((f) => path.join(folder, f));
    for (const f of files) {
      if (fs.existsSync(f)) {
        fs.rmSync(f);
        deleted++;
      }
    }
  }
  return deleted;
}

/**
 * createDataset for a directory that may hold a dataset already, so the
 * command that made it can run again: the same rows and settings rewrite the
 * same files and keep every cached grid (an interrupted build continues);
 * added, removed or relabelled neurons are taken in, and the grids of a
 * neuron whose file changed are deleted. A change that would make the cache
 * or the splits disagree with what was there (other sampling, centring or
 * normalisation; a neuron moving to another split) is refused with what would
 * change, unless `force`, which deletes the grids that no longer match.
 */
export function writeDataset(dir: string, rows: DatasetRow[], options: WriteDatasetOptions = {}): WriteDatasetResult {
  const { normalise = "shape", force = false, onProgress, ...given } = options;
  const create = definedFields(given);
  const info: DatasetInfo = { ...DEFAULT_INFO, labelColumns: [], ...create };
  const exists = fs.existsSync(path.join(dir, INFO)) && fs.existsSync(path.join(dir, MANIFEST));
  const old = exists ? openDataset(dir) : null;
  const now: Settings = { ...settingsOf(info), normalise };
  const before = old ? settingsOf(old.info) : now;
  const changed = (Object.keys(now) as Array<keyof Settings>)
    .filter((k) => now[k] !== before[k])
    .map((k) => `${k} ${before[k]} → ${now[k]}`);
  const oldById = new Map((old?.rows ?? []).map((r) => [r.id, r]));
  const moved = rows
    .filter((r) => oldById.has(r.id) && oldById.get(r.id)!.split !== r.split)
    .map((r) => `${r.id} ${oldById.get(r.id)!.split} → ${r.split}`);
  const refuse = (what: string): never => {
    throw new ConfigError(
      `${dir} already holds a dataset, and writing this one would change ${what}. Its cached grids, or models trained on its splits, would no longer match. ` +
        "Force it (--force) to replace that dataset, deleting the grids that no longer match, or write to another directory.",
    );
  };
  if (old && !force && (changed.length > 0 || moved.length > 0)) {
    const parts = [...changed];
    if (moved.length > 0) {
      const rule =
        old.info.splitRule && old.info.splitRule !== info.splitRule
          ? ` (split by "${old.info.splitRule}", now "${info.splitRule ?? "as given"}")`
          : "";
      parts.push(`the split of ${moved.length} of ${old.rows.length} neurons${rule}: ${list(moved)}`);
    }
    refuse(parts.join("; "));
  }
  let stale = old !== null && changed.length > 0;
  let normalisation: DatasetInfo["normalisation"] = "shape";
  if (normalise === "dataset") {
    const train = rows.filter((r) => r.split === "train");
    if (train.length === 0)
      throw new WorkbenchError(`${dir}: dataset-wide normalisation is computed from the training split, and it has no neurons`);
    const oldTrain = (old?.rows ?? []).filter((r) => r.split === "train");
    const sameTrain =
      oldTrain.length === train.length &&
      train.every((r) => oldById.has(r.id) && oldById.get(r.id)!.split === "train" && gridInput(oldById.get(r.id)!) === gridInput(r));
    if (old && !stale && old.info.normalisation !== "shape" && sameTrain) {
      normalisation = old.info.normalisation;
    } else {
      const range = rangeOfRows(dir, train, info, onProgress);
      if (range === null) throw new WorkbenchError(`${dir}: stopped while computing the normalisation range; nothing was written`);
      if (old && old.info.normalisation !== "shape" && !sameRange(old.info.normalisation, range)) {
        if (!force && !stale)
          refuse(
            `the dataset-wide normalisation, ${JSON.stringify(old.info.normalisation)} → ${JSON.stringify(range)}, since the training neurons changed`,
          );
        stale = true;
      }
      normalisation = range;
    }
  }
  const changedFiles = rows.filter((r) => oldById.has(r.id) && gridInput(oldById.get(r.id)!) !== gridInput(r)).map((r) => r.id);
  const deletedGrids = stale ? deleteGrids(dir) : changedFiles.length > 0 ? deleteGrids(dir, changedFiles) : 0;
  const dataset = createDataset(dir, rows, { ...create, normalisation });
  let previous: WriteDatasetResult["previous"] = "none";
  if (old) {
    const same = old.rows.length === rows.length && rows.every((r) => JSON.stringify(oldById.get(r.id)) === JSON.stringify(r));
    previous = stale || moved.length > 0 ? "replaced" : same ? "same" : "updated";
  }
  return { dataset, previous, deletedGrids };
}
