import * as fs from "node:fs";
import * as path from "node:path";
import { nearestNeighboursBrute } from "../analysis";
import { ConfigError, WorkbenchError } from "../core";
import { loadPointCloud, safeId, type Dataset } from "../dataset";
import type { EmbeddingTable } from "../embeddings";
import { formatCsv, readSwcFile, type Cell } from "../io";
import { disposeAutoencoder, type Autoencoder } from "../models";
import { loadCheckpoint, overlapScores, predictProbabilities } from "../train";
import { neuronCloudFigure, neuronSkeletonFigure, neuronVoxelFigure, reconstructionFigure, type Figure } from "../viz";
import { LruCache } from "./cache";
import type { RunEntry } from "./catalogue";
import type { LabelColumns } from "./labels";

/**
 * What the page shows of one neuron: its shape in 3-D (the SWC skeleton
 * when there is one, the point cloud otherwise or on request), its cached
 * voxel grids, a model's reconstruction at any threshold, and its nearest
 * neighbours in embedding space.
 */
export interface NeuronInfo {
  id: string;
  /** Label columns of the source, this neuron's values. */
  labels: Array<{ name: string; value: string }>;
  /** False when the dataset does not list the neuron (only labels and neighbours then). */
  inDataset: boolean;
  /** The shapes that can be drawn: "skeleton" when an SWC is there, "cloud" always for a dataset neuron. */
  shapes: Array<"skeleton" | "cloud">;
  /** Cached grid sizes of this neuron. */
  grids: number[];
  /** Runs whose grid this neuron has cached, the one named like the source first. */
  runs: Array<{ key: string; name: string; grid: number; threshold: number }>;
  neighbours: Array<{ id: string; distance: number; labels: Record<string, string> }> | null;
  /** Why something is missing, for the page to say. */
  notes: string[];
}

export interface Reconstruction {
  run: string;
  grid: number;
  threshold: number;
  f1: number;
  iou: number;
  figure: Figure;
}

/** Nearest neighbours listed on the page. */
const NEIGHBOURS = 10;
/** Points drawn of a cloud: browsers slow down beyond. */
const CLOUD_POINTS = 20_000;

/** The grid sizes in a dataset's cache (cache/<size>/). */
function cachedSizes(dataset: Dataset): number[] {
  const dir = path.join(dataset.dir, "cache");
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .sort((a, b) => a - b);
}

/** The skeleton of a neuron: its source when that is an SWC, else swc/<id>.swc beside the manifest (the layout `synth` writes). */
function skeletonFile(dataset: Dataset, id: string): string | null {
  const source = dataset.sourceFile(id);
  if (source.toLowerCase().endsWith(".swc")) return source;
  const beside = path.join(dataset.dir, "swc", `${safeId(id)}.swc`);
  return fs.existsSync(beside) ? beside : null;
}

function listed(dataset: Dataset, id: string): boolean {
  try {
    dataset.row(id);
    return true;
  } catch {
    return false;
  }
}

export class NeuronDetail {
  private models = new LruCache<Autoencoder>(2, disposeAutoencoder);
  private probabilities = new LruCache<Float32Array>(24);

  info(
    id: string,
    ids: readonly string[],
    columns: LabelColumns,
    table: EmbeddingTable | null,
    dataset: Dataset | null,
    runs: RunEntry[],
    sourceName: string,
  ): NeuronInfo {
    const index = ids.indexOf(id);
    if (index < 0) throw new ConfigError(`no neuron "${id}" in this map`);
    const labels = Object.entries(columns).map(([name, values]) => ({ name, value: values[index] ?? "" }));
    const notes: string[] = [];
    if (!dataset) notes.push("No dataset found: give --data <dataset dir> to see shapes, voxels and reconstructions.");
    const known = dataset !== null && listed(dataset, id);
    if (dataset && !known) notes.push(`${dataset.dir} does not list this neuron.`);
    const grids = dataset && known ? cachedSizes(dataset).filter((g) => dataset.hasGrid(id, g)) : [];
    const shapes: NeuronInfo["shapes"] = dataset && known ? [...(skeletonFile(dataset, id) ? (["skeleton"] as const) : []), "cloud"] : [];
    const base = path.basename(sourceName);
    const usable = runs
      .filter((r) => grids.includes(r.grid))
      .sort((a, b) => Number(b.name === base) - Number(a.name === base) || Number(b.name.includes(base)) - Number(a.name.includes(base)));
    if (known && runs.length > 0 && usable.length === 0)
      notes.push(`No run's grid (${[...new Set(runs.map((r) => r.grid))].join(", ")}) is cached for this neuron.`);
    let neighbours: NeuronInfo["neighbours"] = null;
    if (table) {
      const row = table.ids.indexOf(id);
      const k = Math.min(NEIGHBOURS, table.ids.length - 1);
      if (row >= 0 && k >= 1) {
        const nn = nearestNeighboursBrute({ rows: table.ids.length, cols: table.dim, data: table.values }, k, [row]);
        const shown = Object.entries(columns)
          .filter(([c]) => c !== "split")
          .slice(0, 3);
        neighbours = Array.from(nn.indices, (j, r) => {
          const nid = table.ids[j]!;
          const at = ids.indexOf(nid);
          return {
            id: nid,
            distance: Math.sqrt(nn.distances[r]!),
            labels: Object.fromEntries(shown.map(([c, values]) => [c, at >= 0 ? (values[at] ?? "") : ""])),
          };
        });
      }
    } else notes.push("This map has no embedding table, so no neighbours in embedding space.");
    return {
      id,
      labels,
      inDataset: known,
      shapes,
      grids,
      runs: usable.map((r) => ({ key: r.dir, name: r.name, grid: r.grid, threshold: r.threshold ?? 0.5 })),
      neighbours,
      notes,
    };
  }

  shape(dataset: Dataset | null, id: string, kind: string): Figure {
    if (!dataset || !listed(dataset, id)) throw new WorkbenchError(`no dataset lists neuron "${id}"`);
    if (kind === "skeleton") {
      const file = skeletonFile(dataset, id);
      if (!file) throw new WorkbenchError(`neuron "${id}" has no SWC skeleton (looked at its source and ${path.join(dataset.dir, "swc")})`);
      return neuronSkeletonFigure(readSwcFile(file), { title: `${id}: skeleton` });
    }
    if (kind !== "cloud") throw new ConfigError(`shape: expected "skeleton" or "cloud"; found ${JSON.stringify(kind)}`);
    const info = dataset.info;
    const cloud = loadPointCloud(dataset.sourceFile(id), { points: info.points, seed: info.seed, npzScale: info.npzScale });
    const soma = dataset.row(id).soma ?? cloud.soma;
    return neuronCloudFigure(cloud.points, { maxPoints: CLOUD_POINTS, soma: soma ?? undefined, title: `${id}: point cloud` });
  }

  voxels(dataset: Dataset | null, id: string, grid: number): Figure {
    if (!dataset || !listed(dataset, id)) throw new WorkbenchError(`no dataset lists neuron "${id}"`);
    return neuronVoxelFigure(dataset.grid(id, grid), grid, { title: `${id}: ${grid}³ voxels` });
  }

  /** The run's prediction for the neuron (computed once, then kept) drawn at `threshold`. */
  reconstruction(dataset: Dataset | null, id: string, run: RunEntry, threshold: number): Reconstruction {
    if (!dataset || !listed(dataset, id)) throw new WorkbenchError(`no dataset lists neuron "${id}"`);
    if (!(threshold > 0 && threshold < 1)) throw new ConfigError(`threshold: expected a number between 0 and 1; found ${threshold}`);
    const truth = dataset.grid(id, run.grid);
    const key = `${run.dir}|${dataset.dir}|${id}`;
    const probabilities = this.probabilities.getOr(key, () => {
      const ae = this.models.getOr(run.dir, () => loadCheckpoint(run.dir, "best-f1").autoencoder);
      return predictProbabilities(ae, truth);
    });
    const { f1, iou } = overlapScores(probabilities, truth, threshold);
    const figure = reconstructionFigure(probabilities, truth, run.grid, {
      threshold,
      title: `${id}: ${run.name} at threshold ${threshold.toFixed(2)}`,
    });
    return { run: run.name, grid: run.grid, threshold, f1, iou, figure };
  }

  clear(): void {
    this.models.clear();
    this.probabilities.clear();
  }
}

/** The selected neurons as CSV: id and every label column, in the map's order. */
export function selectionCsv(selected: readonly string[], ids: readonly string[], columns: LabelColumns): string {
  const at = new Map(ids.map((id, i) => [id, i]));
  const unknown = selected.filter((id) => !at.has(id));
  if (unknown.length) throw new ConfigError(`selection: ${unknown.length} id(s) not in this map, e.g. ${JSON.stringify(unknown[0])}`);
  const names = Object.keys(columns).filter((c) => c !== "id");
  const rows = selected.map((id) => {
    const i = at.get(id)!;
    const r: Record<string, Cell> = { id };
    for (const c of names) r[c] = columns[c]![i] ?? "";
    return r;
  });
  return formatCsv(["id", ...names], rows);
}
