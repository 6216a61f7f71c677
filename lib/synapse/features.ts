import * as fs from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { type OnProgress, ParseError, warnOnce, writeFileAtomic } from "../core";
import { vgg3dFromCheckpoint } from "../interop";
import { createVgg3d, vgg3dFeatures, VGG3D_INPUT } from "../models";
import type { Vgg3d } from "../models";
import { findTable, listBoxes, loadBox } from "./box";
import type { SynapseBox } from "./box";
import { cropSynapse, resolveCropOptions } from "./crop";
import type { CropOptions, SynapseCrop } from "./crop";
import type { Finding } from "./findings";
import { csvRows, readSynapseTable, TABLE_COLUMNS } from "./table";

/** Number of VGG3D features per crop (channels of its last block). */
const FEATURE_COUNT = 192;

/** The network and where its weights came from; `pretrained: false` makes every run say so. */
export interface FeatureNetwork {
  net: Vgg3d;
  /** A checkpoint path or "random (seed 1996)". */
  weights: string;
  pretrained: boolean;
}

/** A VGG3D with random weights, for runs before pretrained weights are loaded. */
export function randomFeatureNetwork(seed = 1996): FeatureNetwork {
  return { net: createVgg3d({ classifier: false, seed }), weights: `random (seed ${seed})`, pretrained: false };
}

/** The pretrained VGG3D from a PyTorch checkpoint (a state dict with `features.N.*` keys). */
export function pretrainedFeatureNetwork(checkpoint: string): FeatureNetwork {
  return { net: vgg3dFromCheckpoint(checkpoint), weights: checkpoint, pretrained: true };
}

export const RANDOM_WEIGHTS_WARNING =
  "VGG3D runs with RANDOM weights: the features are not those of the pretrained network. Load the pretrained PyTorch checkpoint for real analyses.";

export interface FeatureOptions extends Omit<CropOptions, "size" | "outputSize"> {
  /** Boxes to use (default: every box of the data folder). */
  boxes?: string[];
  /** Label table file (default: the data folder's, else config/synapse-labels.json). */
  labelsFile?: string;
  /** Crops per forward pass (default 1: the fastest per crop on CPU). */
  batchSize?: number;
  /** The network (default randomFeatureNetwork()). */
  network?: FeatureNetwork;
  /** Rewrite the CSV at most this often while running (default 20 s); always at the end. */
  checkpointSeconds?: number;
  onProgress?: OnProgress;
  /** Called with each crop (for sample figures and GIFs) before it is dropped. */
  onCrop?: (crop: SynapseCrop) => void;
}

/** One CSV row: metadata then feat_1..feat_192. */
export interface FeatureRow {
  meta: Record<string, string>;
  features: Float32Array;
}

export interface FeatureTable {
  /** Metadata column names, in file order. */
  columns: string[];
  rows: FeatureRow[];
}

export interface FeatureRun {
  file: string;
  table: FeatureTable;
  findings: Finding[];
  /** Rows computed in this run (the others were in the file already). */
  computed: number;
  /** True when onProgress asked to stop before every synapse was done. */
  stopped: boolean;
  weights: string;
  pretrained: boolean;
}

// The synapse table's coordinate columns follow the run's own metadata.
const BASE_COLUMNS = ["bbox", "Var1", "seg_type", "alpha", "presynaptic_side", ...TABLE_COLUMNS.filter((c) => c !== "Var1")];

/** `features_seg10_alpha1.0.csv`: one file per (segmentation type, α). */
export function featureFileName(segType: number, alpha: number): string {
  return `features_seg${segType}_alpha${alpha.toFixed(1)}.csv`;
}

function csvField(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

function featureCsv(table: FeatureTable): string {
  const featNames = Array.from({ length: FEATURE_COUNT }, (_, i) => `feat_${i + 1}`);
  const lines = [[...table.columns, ...featNames].map(csvField).join(",")];
  for (const r of table.rows) {
    const meta = table.columns.map((c) => csvField(r.meta[c] ?? ""));
    lines.push([...meta, ...Array.from(r.features, (v) => String(v))].join(","));
  }
  return lines.join("\n") + "\n";
}

/** Reads a feature CSV written by extractFeatures (or any CSV with feat_1..feat_192). */
export function readFeatureCsv(file: string): FeatureTable {
  const rows = csvRows(file);
  if (rows.length === 0) throw new ParseError(file, { line: 1 }, "empty file; expected a header with feat_1..feat_192");
  const header = rows[0]!;
  const featAt = Array.from({ length: FEATURE_COUNT }, (_, i) => header.indexOf(`feat_${i + 1}`));
  const missing = featAt.findIndex((i) => i < 0);
  if (missing >= 0) throw new ParseError(file, { line: 1 }, `missing column feat_${missing + 1}`);
  const featSet = new Set(featAt);
  const columns = header.filter((_, i) => !featSet.has(i));
  const out: FeatureRow[] = [];
  for (let r = 1; r < rows.length; r++) {
    const cells = rows[r]!;
    if (cells.length !== header.length)
      throw new ParseError(file, { line: r + 1 }, `expected ${header.length} fields, found ${cells.length}`);
    const features = new Float32Array(FEATURE_COUNT);
    featAt.forEach((c, k) => {
      const v = Number(cells[c]);
      if (cells[c] === "" || !Number.isFinite(v))
        throw new ParseError(file, { line: r + 1 }, `feat_${k + 1}: expected a number, found ${JSON.stringify(cells[c])}`);
      features[k] = v;
    });
    const meta: Record<string, string> = {};
    header.forEach((h, i) => {
      if (!featSet.has(i)) meta[h] = cells[i]!;
    });
    out.push({ meta, features });
  }
  return { columns, rows: out };
}

const rowKey = (box: string, name: string) => `${box}\u0000${name}`;

function metaOf(crop: SynapseCrop): Record<string, string> {
  const s = crop.record;
  const meta: Record<string, string> = {
    bbox: crop.box,
    Var1: crop.name,
    seg_type: String(crop.segType),
    alpha: String(crop.alpha),
    presynaptic_side: String(crop.presynapticSide),
  };
  (["central_coord", "side_1_coord", "side_2_coord"] as const).forEach((prefix, k) => {
    const p = [s.centre, s.side1, s.side2][k]!;
    p.forEach((v, i) => (meta[`${prefix}_${i + 1}`] = String(v)));
  });
  for (const [key, value] of Object.entries(s.extra)) if (!(key in meta)) meta[key] = value;
  return meta;
}

/** Features of a batch of crops (each 80³, the blended network input). */
export function cropFeatures(network: FeatureNetwork, crops: SynapseCrop[]): Float32Array[] {
  const n = VGG3D_INPUT;
  const input = new Float32Array(crops.length * n * n * n);
  crops.forEach((c, i) => {
    if (c.blended.length !== n * n * n)
      throw new RangeError(`cropFeatures: ${c.box} ${c.name}: crop has ${c.blended.length} voxels, VGG3D needs ${n}³`);
    input.set(c.blended, i * n * n * n);
  });
  const x = tf.tensor5d(input, [crops.length, n, n, n, 1]);
  try {
    const f = vgg3dFeatures(network.net, x);
    const values = f.dataSync() as Float32Array;
    f.dispose();
    return crops.map((_, i) => values.slice(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT));
  } finally {
    x.dispose();
  }
}

/**
 * Crops every synapse of the data folder with one segmentation type and α,
 * runs VGG3D and writes `<outDir>/features_seg<T>_alpha<A>.csv`. Resumes:
 * synapses already in that file are not computed again. Stops cleanly when
 * onProgress returns false (the file then holds every finished row).
 */
export async function extractFeatures(dataDir: string, outDir: string, options: FeatureOptions = {}): Promise<FeatureRun> {
  const segType = options.segType ?? 0;
  const alpha = options.alpha ?? 1;
  // Checked once here: inside the loop a crop's error only skips its synapse.
  resolveCropOptions({ segType, alpha, gray: options.gray });
  const network = options.network ?? randomFeatureNetwork();
  if (!network.pretrained) warnOnce(RANDOM_WEIGHTS_WARNING);
  const file = `${outDir}/${featureFileName(segType, alpha)}`;
  const previous = fs.existsSync(file) ? readFeatureCsv(file) : null;
  const done = new Map<string, FeatureRow>();
  for (const r of previous?.rows ?? []) done.set(rowKey(r.meta.bbox ?? "", r.meta.Var1 ?? ""), r);
  const findings: Finding[] = [];
  const boxes = options.boxes ?? listBoxes(dataDir);
  const table: FeatureTable = { columns: previous?.columns ?? [...BASE_COLUMNS], rows: [] };
  const addColumns = (meta: Record<string, string>) => {
    for (const k of Object.keys(meta)) if (!table.columns.includes(k)) table.columns.push(k);
  };
  let computed = 0;
  let stopped = false;
  let lastWrite = Date.now();
  const every = (options.checkpointSeconds ?? 20) * 1000;
  const visited = new Set<string>();
  // Rows of the old file not reached yet (a stopped run) are kept, never lost.
  const save = () => {
    const rest = [...done.entries()].filter(([k]) => !visited.has(k)).map(([, r]) => r);
    writeFileAtomic(file, featureCsv({ columns: table.columns, rows: [...table.rows, ...rest] }));
    lastWrite = Date.now();
  };
  // The tables are small: count their rows first so progress has a true total.
  let total = 0;
  for (const name of boxes) {
    const t = findTable(dataDir, name);
    try {
      if (t) total += (await readSynapseTable(t, name)).synapses.length;
    } catch {
      // A bad table is reported when its box is loaded.
    }
  }
  let finished = 0;
  for (const name of boxes) {
    if (stopped) break;
    const loaded = await loadBox(dataDir, name, { labelsFile: options.labelsFile });
    findings.push(...loaded.findings);
    const box: SynapseBox | null = loaded.box;
    if (!box) continue;
    const pending: SynapseCrop[] = [];
    const flush = () => {
      if (pending.length === 0) return;
      const feats = cropFeatures(network, pending);
      pending.forEach((c, i) => {
        const meta = metaOf(c);
        addColumns(meta);
        table.rows.push({ meta, features: feats[i]! });
      });
      computed += pending.length;
      finished += pending.length;
      pending.length = 0;
      if (Date.now() - lastWrite > every) save();
    };
    for (const s of box.synapses) {
      visited.add(rowKey(box.name, s.name));
      const old = done.get(rowKey(box.name, s.name));
      if (old) {
        addColumns(old.meta);
        table.rows.push(old);
        finished++;
        continue;
      }
      try {
        const { crop, findings: f } = cropSynapse(box, s, { segType, alpha, gray: options.gray });
        findings.push(...f);
        options.onCrop?.(crop);
        pending.push(crop);
      } catch (err) {
        findings.push({
          level: "error",
          box: box.name,
          synapse: s.name,
          message: `crop failed: ${(err as Error).message}; synapse skipped`,
        });
        continue;
      }
      if (pending.length >= (options.batchSize ?? 1)) flush();
      if (options.onProgress?.({ done: finished, total, label: `VGG3D features (seg ${segType}, α ${alpha}) ${box.name}` }) === false) {
        stopped = true;
        break;
      }
      await new Promise((r) => setImmediate(r));
    }
    if (!stopped) flush();
  }
  save();
  return { file, table, findings, computed, stopped, weights: network.weights, pretrained: network.pretrained };
}
