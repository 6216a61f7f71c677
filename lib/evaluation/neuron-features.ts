import * as fs from "node:fs";
import * as path from "node:path";
import { type OnProgress, ParseError, writeFileAtomic } from "../core";
import { loadPointCloud, type Dataset } from "../dataset";
import { readSwcFile } from "../io";
import { countOccupied } from "../voxel";
import { CLOUD_MORPHOMETRICS, cloudMorphometrics } from "./cloud-shape";
import type { FeatureSet } from "./feature-set";
import { SWC_MORPHOMETRICS, swcMorphometrics } from "./morphometrics";

export interface NeuronFeaturesOptions {
  /** Sholl step for skeletons, in the files' units (default 10, µm for NeuroMorpho). */
  shollStep?: number;
  /** Grid whose occupied voxels measure the size of a point cloud (default 64); its cache must exist. */
  grid?: number;
  /** Keeps the features computed so far in `<workDir>/neuron-features.json`, so a stopped run resumes. */
  workDir?: string;
  onProgress?: OnProgress;
}

/** The two hand-made baselines of a dataset, computed from the source files. */
export interface NeuronFeatures {
  /** "swc" when every source is a skeleton; otherwise everything is measured as a point cloud. */
  source: "swc" | "cloud";
  /** Extents along x, y, z and the cable length (skeletons) or occupied voxels (clouds). */
  size: FeatureSet;
  /** SWC_MORPHOMETRICS, or CLOUD_MORPHOMETRICS for clouds. */
  morphometrics: FeatureSet;
}

const SIZE_FROM_SWC = ["extent_x", "extent_y", "extent_z", "total_length"] as const;
const SIZE_FROM_CLOUD = ["extent_x", "extent_y", "extent_z", "occupied_voxels"] as const;

interface SavedFeatures {
  settings: { source: string; shollStep: number; grid: number; points: number; seed: number };
  rows: Record<string, { size: number[]; morphometrics: number[] }>;
}

/** Seconds between saves of the features computed so far. */
const SAVE_EVERY = 20;

/**
 * Size-only and morphometric features of the neurons `ids` of a dataset, read
 * from their source files (skeletons as they are; clouds as the dataset
 * samples them). Returns null when onProgress asked to stop; what was done is
 * kept in workDir and the next call continues from there.
 */
export async function neuronFeatures(
  dataset: Dataset,
  ids: readonly string[],
  options: NeuronFeaturesOptions = {},
): Promise<NeuronFeatures | null> {
  const shollStep = options.shollStep ?? 10;
  const grid = options.grid ?? 64;
  const source = ids.every((id) => path.extname(dataset.sourceFile(id)).toLowerCase() === ".swc") ? "swc" : "cloud";
  const settings = { source, shollStep, grid, points: dataset.info.points, seed: dataset.info.seed };
  const file = options.workDir ? path.join(options.workDir, "neuron-features.json") : undefined;
  let saved: SavedFeatures = { settings, rows: {} };
  if (file && fs.existsSync(file)) {
    let old: SavedFeatures;
    try {
      old = JSON.parse(fs.readFileSync(file, "utf8")) as SavedFeatures;
    } catch (e) {
      throw new ParseError(file, {}, `not valid JSON (${(e as Error).message}); delete it to measure the neurons again`, { cause: e });
    }
    if (JSON.stringify(old.settings) === JSON.stringify(settings)) saved = old;
  }
  let unsaved = false;
  const save = (): void => {
    if (!file || !unsaved) return;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeFileAtomic(file, JSON.stringify(saved));
    unsaved = false;
  };
  let lastSave = performance.now();
  let done = 0;
  for (const id of ids) {
    if (!(id in saved.rows)) {
      const src = dataset.sourceFile(id);
      if (source === "swc") {
        const f = swcMorphometrics(readSwcFile(src), { shollStep });
        saved.rows[id] = { size: SIZE_FROM_SWC.map((c) => f[c]), morphometrics: SWC_MORPHOMETRICS.map((c) => f[c]) };
      } else {
        const info = dataset.info;
        const f = cloudMorphometrics(loadPointCloud(src, { points: info.points, seed: info.seed, npzScale: info.npzScale }).points);
        const occupied = countOccupied(dataset.grid(id, grid));
        saved.rows[id] = { size: [f.extent_x, f.extent_y, f.extent_z, occupied], morphometrics: CLOUD_MORPHOMETRICS.map((c) => f[c]) };
      }
      unsaved = true;
      if (performance.now() - lastSave > SAVE_EVERY * 1000) {
        save();
        lastSave = performance.now();
      }
    }
    done++;
    if (options.onProgress?.({ done, total: ids.length, label: "measuring neurons" }) === false) {
      save();
      return null;
    }
    // Let timers, signals and notebook output through between files.
    if (done % 16 === 0) await new Promise((res) => setImmediate(res));
  }
  save();
  const sizeColumns: string[] = source === "swc" ? [...SIZE_FROM_SWC] : [...SIZE_FROM_CLOUD];
  const morphColumns: string[] = source === "swc" ? [...SWC_MORPHOMETRICS] : [...CLOUD_MORPHOMETRICS];
  const matrix = (key: "size" | "morphometrics", cols: number) => {
    const data = new Float64Array(ids.length * cols);
    ids.forEach((id, r) => {
      data.set(saved.rows[id]![key], r * cols);
    });
    return { rows: ids.length, cols, data };
  };
  return {
    source,
    size: {
      name: "size only",
      kind: "baseline",
      description:
        source === "swc"
          ? "extents along x, y, z and the cable length, from the SWC files"
          : `extents along x, y, z of the point clouds and the occupied voxels of the ${grid}³ grid`,
      columns: sizeColumns,
      x: matrix("size", sizeColumns.length),
      standardize: true,
    },
    morphometrics: {
      name: "morphometrics",
      kind: "baseline",
      description:
        source === "swc"
          ? `${morphColumns.join(", ")} (Sholl step ${shollStep}), from the SWC files`
          : `${morphColumns.join(", ")}, from the point clouds`,
      columns: morphColumns,
      x: matrix("morphometrics", morphColumns.length),
      standardize: true,
    },
  };
}
