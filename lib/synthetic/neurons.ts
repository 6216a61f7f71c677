import * as fs from "node:fs";
import * as path from "node:path";
import { Random, checkChoice, WorkbenchError } from "../core";
import type { OnProgress } from "../core";
import { writeSwcFile, writeNpzFile } from "../io";
import { sampleSurface } from "../neuron";
import type { Morphology } from "../neuron";
import { createDataset, buildCache } from "../dataset";
import type { DatasetRow, BuildCacheResult } from "../dataset";
import { NEURON_CLASSES, growNeuron, layerAt, somaDepthFor } from "./neuron-classes";
import type { NeuronClass } from "./neuron-classes";

/** Options for synthNeurons; every field optional except `out`. */
export interface SynthNeuronsOptions {
  /** Dataset directory to write. */
  out: string;
  /** Number of neurons (default 64), spread evenly over the classes. */
  count?: number;
  /** Seed for everything (default 1996). */
  seed?: number;
  /** Surface points per neuron (default 100,000, the upstream density). */
  points?: number;
  /** Classes to draw from (default all of NEURON_CLASSES). */
  classes?: NeuronClass[];
  /** Grid sizes to voxelise into the cache right away (default none). */
  grids?: number[];
  /** Worker threads for the cache (default 1). */
  workers?: number;
  onProgress?: OnProgress;
}

export interface SynthNeuronsResult {
  dir: string;
  rows: DatasetRow[];
  cache?: BuildCacheResult;
}

/** One synthetic neuron, placed in a 1000 × 900 × 1000 µm block of cortex and turned about the vertical. */
export function synthNeuron(cls: NeuronClass, rng: Random, id: string = cls): { morphology: Morphology; depth: number; layer: string } {
  const depth = somaDepthFor(cls, rng);
  const soma: [number, number, number] = [200 + 600 * rng.next(), depth, 200 + 600 * rng.next()];
  const m = growNeuron(cls, [0, depth, 0], rng, `${id}.swc`);
  // Turn about the vertical through the soma (depth stays depth) and move sideways into place.
  const a = 2 * Math.PI * rng.next();
  const c = Math.cos(a),
    s = Math.sin(a);
  const P = m.positions;
  for (let i = 0; i < m.count; i++) {
    const x = P[3 * i]!,
      z = P[3 * i + 2]!;
    P[3 * i] = c * x - s * z + soma[0];
    P[3 * i + 2] = s * x + c * z + soma[2];
  }
  m.soma = [soma[0], depth, soma[2]];
  return { morphology: m, depth, layer: layerAt(depth) };
}

/** Train/val/test by position in a class-interleaved seeded order, so each split mixes the classes. */
function assignSplits(classes: NeuronClass[], rng: Random): string[] {
  const n = classes.length;
  const byClass = new Map<NeuronClass, number[]>();
  rng.permutation(n).forEach((i) => {
    const c = classes[i]!;
    if (!byClass.has(c)) byClass.set(c, []);
    byClass.get(c)!.push(i);
  });
  const order: number[] = [];
  for (let r = 0; order.length < n; r++) for (const list of byClass.values()) if (r < list.length) order.push(list[r]!);
  const nVal = n >= 3 ? Math.max(1, Math.round(0.1 * n)) : 0;
  const nTest = n >= 10 ? Math.max(1, Math.round(0.1 * n)) : 0;
  const split = new Array<string>(n);
  order.forEach((i, k) => (split[i] = k >= n - nTest ? "test" : k >= n - nTest - nVal ? "val" : "train"));
  return split;
}

/**
 * Writes a synthetic dataset: `swc/<id>.swc` skeletons, `coords/<id>.npz`
 * surface point clouds in the upstream layout (key `data`, float16, µm/1000),
 * and manifest.csv + dataset.json with labels class, layer and depth.
 */
export async function synthNeurons(options: SynthNeuronsOptions): Promise<SynthNeuronsResult> {
  const count = options.count ?? 64;
  const seed = options.seed ?? 1996;
  const points = options.points ?? 100_000;
  const classes = (options.classes ?? [...NEURON_CLASSES]).map((c) => checkChoice("neuron class", c, NEURON_CLASSES));
  if (!Number.isInteger(count) || count < 1) throw new WorkbenchError(`synthNeurons: count must be a positive integer, found ${count}`);
  if (classes.length === 0) throw new WorkbenchError("synthNeurons: no classes to draw from");
  const dir = options.out;
  fs.mkdirSync(path.join(dir, "swc"), { recursive: true });
  fs.mkdirSync(path.join(dir, "coords"), { recursive: true });
  const rng = new Random(seed);
  const order = rng.shuffle(Array.from({ length: count }, (_, i) => classes[i % classes.length]!));
  const splits = assignSplits(order, rng);
  const width = String(count - 1).length;
  const rows: DatasetRow[] = [];
  for (let i = 0; i < count; i++) {
    const cls = order[i]!;
    const id = `syn${String(i).padStart(width, "0")}_${cls}`;
    // Each neuron has its own generator, so neuron i is the same whatever the count.
    const nrng = new Random((seed * 7919 + i * 104729) >>> 0);
    const { morphology: m, depth, layer } = synthNeuron(cls, nrng, id);
    writeSwcFile(path.join(dir, "swc", `${id}.swc`), m, [`synthetic ${cls}, soma depth ${depth.toFixed(1)} µm (${layer}), seed ${seed}`]);
    const cloud = sampleSurface(m, { count: points, random: nrng });
    const scaled = new Float32Array(cloud.points.length);
    for (let k = 0; k < scaled.length; k++) scaled[k] = cloud.points[k]! / 1000;
    writeNpzFile(
      path.join(dir, "coords", `${id}.npz`),
      { data: { data: scaled, shape: [points, 3], dtype: "float16" } },
      { compress: true },
    );
    rows.push({
      id,
      source: `coords/${id}.npz`,
      split: splits[i]!,
      soma: [round3(m.soma[0]), round3(m.soma[1]), round3(m.soma[2])],
      labels: { class: cls, layer, depth: depth.toFixed(1) },
    });
    if (options.onProgress?.({ done: i + 1, total: count, label: "synthesising" }) === false) break;
  }
  createDataset(dir, rows, {
    points,
    seed,
    centre: "soma",
    normalisation: "shape",
    npzScale: 1000,
    labelColumns: ["class", "layer", "depth"],
    description: `synthetic cortical neurons (${classes.join(", ")}), seed ${seed}`,
  });
  const result: SynthNeuronsResult = { dir, rows };
  if (options.grids && options.grids.length > 0) {
    result.cache = await buildCache(dir, { sizes: options.grids, workers: options.workers, onProgress: options.onProgress });
  }
  return result;
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
