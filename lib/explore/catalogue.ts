import * as fs from "node:fs";
import * as path from "node:path";
import { INFO, MANIFEST } from "../dataset";
import { embeddingFiles } from "../embeddings";
import { checkpointConfig } from "../train";

/**
 * What a results directory holds, found by the files the CLIs, the demo
 * and the notebooks write, wherever they sit under it:
 *   a dataset        manifest.csv + dataset.json
 *   a training run   checkpoints/ (the grid from its model.json)
 *   an embedding     <stem>.npy + <stem>.meta.csv, or <stem>.csv with emb_1…
 *   a map            a CSV whose header starts id,x,y (`npm run maps`)
 *   synapse results  clusters_seg<T>_alpha<A>.csv beside features_….csv
 *   EM data          raw/bbox… (+ seg/, masks/, the tables)
 * Nothing is read beyond a CSV's header here; the contents are read when
 * the page asks for them.
 */
export interface Catalogue {
  results: string;
  datasets: string[];
  runs: RunEntry[];
  tables: string[];
  mapFiles: MapFileEntry[];
  /** Folders holding clusters_*.csv (the synapse pipeline's output). */
  synapseOutputs: string[];
  /** Folders holding EM boxes (raw/bbox…). */
  emData: string[];
}

export interface RunEntry {
  dir: string;
  name: string;
  grid: number;
  /** The threshold the evaluation chose (the demo records it), else null. */
  threshold: number | null;
}

export interface MapFileEntry {
  file: string;
  /** "t-SNE", "UMAP" or the file's name. */
  method: string;
  dims: 2 | 3;
}

const MAX_DEPTH = 6;
/** Folders with this many entries are data (a voxel cache, slices), not results to look through. */
const MAX_ENTRIES = 5000;

function header(file: string): string {
  const fd = fs.openSync(file, "r");
  try {
    const buf = Buffer.alloc(4096);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    return (
      buf
        .toString("utf8", 0, n)
        .replace(/^\uFEFF/, "")
        .split(/\r?\n/)[0] ?? ""
    );
  } finally {
    fs.closeSync(fd);
  }
}

function methodOf(file: string): string {
  const base = path.basename(file, ".csv");
  if (/^tsne/i.test(base)) return "t-SNE";
  if (/^umap/i.test(base)) return "UMAP";
  return base;
}

/** Thresholds recorded by the demo (demo-state.json: each evaluation step names its runDir). */
function recordedThresholds(dir: string, into: Map<string, number>): void {
  const file = path.join(dir, "demo-state.json");
  if (!fs.existsSync(file)) return;
  let state: unknown;
  try {
    state = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return;
  }
  for (const step of Object.values(state as Record<string, unknown>)) {
    const s = step as { runDir?: unknown; threshold?: unknown };
    if (typeof s.runDir !== "string" || typeof s.threshold !== "number") continue;
    // A results folder that was moved still names its runs by the old path: the tail counts.
    into.set(path.join(dir, path.basename(path.dirname(s.runDir)), path.basename(s.runDir)), s.threshold);
  }
}

/** Looks through `results` (and the extra folders given on the command line). */
export function readCatalogue(results: string, extra: { data?: string; synapses?: string } = {}): Catalogue {
  const root = path.resolve(results);
  const c: Catalogue = { results: root, datasets: [], runs: [], tables: [], mapFiles: [], synapseOutputs: [], emData: [] };
  const thresholds = new Map<string, number>();
  const walk = (dir: string, depth: number): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    if (entries.length > MAX_ENTRIES) return;
    const names = new Set(entries.map((e) => e.name));
    if (names.has(MANIFEST) && names.has(INFO)) {
      c.datasets.push(dir);
      return;
    }
    if (names.has("checkpoints")) {
      try {
        c.runs.push({ dir, name: path.basename(dir), grid: checkpointConfig(dir).grid, threshold: null });
      } catch {
        // A run without a finished checkpoint cannot reconstruct anything yet.
      }
      return;
    }
    if (names.has("raw") && fs.existsSync(path.join(dir, "raw")) && fs.readdirSync(path.join(dir, "raw")).some((n) => /^bbox/.test(n))) {
      c.emData.push(dir);
      return;
    }
    recordedThresholds(dir, thresholds);
    const stems = new Set<string>();
    for (const e of entries) {
      if (!e.isFile()) continue;
      const file = path.join(dir, e.name);
      if (e.name.endsWith(".meta.csv") && names.has(e.name.replace(/\.meta\.csv$/, ".npy"))) stems.add(embeddingFiles(file).stem);
    }
    for (const e of entries) {
      if (!e.isFile() || !e.name.endsWith(".csv") || e.name.endsWith(".meta.csv")) continue;
      const file = path.join(dir, e.name);
      if (/^clusters_seg\d+_alpha[\d.]+\.csv$/.test(e.name)) {
        if (!c.synapseOutputs.includes(dir)) c.synapseOutputs.push(dir);
        continue;
      }
      if (stems.has(embeddingFiles(file).stem)) continue;
      const columns = header(file).split(",");
      if (columns.includes("emb_1")) stems.add(embeddingFiles(file).stem);
      else if (columns[0] === "id" && columns[1] === "x" && columns[2] === "y")
        c.mapFiles.push({ file, method: methodOf(file), dims: columns[3] === "z" ? 3 : 2 });
    }
    c.tables.push(...stems);
    if (depth >= MAX_DEPTH) return;
    for (const e of entries) {
      if (
        e.isDirectory() &&
        !e.name.startsWith(".") &&
        !e.name.endsWith(".parts") &&
        !e.name.startsWith("gifs_") &&
        e.name !== "node_modules"
      )
        walk(path.join(dir, e.name), depth + 1);
    }
  };
  if (fs.existsSync(root)) walk(root, 0);
  for (const r of c.runs) r.threshold = thresholds.get(r.dir) ?? null;
  for (const list of [c.datasets, c.tables, c.synapseOutputs, c.emData]) list.sort();
  c.runs.sort((a, b) => a.dir.localeCompare(b.dir));
  c.mapFiles.sort((a, b) => a.file.localeCompare(b.file));
  // Folders named on the command line come first: they are the ones meant.
  const first = (list: string[], dir: string | undefined): string[] =>
    dir ? [path.resolve(dir), ...list.filter((d) => d !== path.resolve(dir))] : list;
  c.datasets = first(c.datasets, extra.data);
  c.emData = first(c.emData, extra.synapses);
  return c;
}
