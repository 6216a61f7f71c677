import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError, ParseError, WorkbenchError, writeFileAtomic, checkChoice } from "../core";
import { parseCsv, formatCsv } from "../io";
import type { Cell } from "../io";
import { CENTRE_MODES } from "../neuron";
import type { CentreMode, NormaliseRange } from "../neuron";

/**
 * A dataset directory:
 *   manifest.csv   id, source, split, soma_x, soma_y, soma_z, then label columns
 *   dataset.json   how clouds become grids (centring, normalisation, sampling)
 *   cache/<g>/     one compact grid file per neuron and grid size, written once
 * Sources are paths relative to the directory (or absolute).
 */
export interface DatasetRow {
  id: string;
  /** Point-cloud file (.npz, .npy, .ply, .swc) relative to the dataset directory or absolute. */
  source: string;
  /** "train", "val", "test" or any other name. */
  split: string;
  /** Soma position in the source's coordinates; null when unknown. */
  soma: [number, number, number] | null;
  /** Other manifest columns (layer, depth, class, ...) as written. */
  labels: Record<string, string>;
}

export interface DatasetInfo {
  format: "neuron-voxel-dataset";
  version: 1;
  /** Centring before normalisation. */
  centre: CentreMode;
  /** "shape" (each neuron its own range) or dataset constants computed once. */
  normalisation: "shape" | NormaliseRange;
  /** Points sampled from SWC/PLY-mesh sources, and the seed. */
  points: number;
  seed: number;
  /** Factor for .npz coordinates (upstream float16 files store µm/1000). */
  npzScale: number;
  /** Label columns in manifest order. */
  labelColumns: string[];
  /** Free text: where the data came from. */
  description?: string;
  /** How the splits were made (e.g. "seed 1996, 80/10/10, stratified by family"), quoted when a re-run would change them. */
  splitRule?: string;
}

export const MANIFEST = "manifest.csv";
export const INFO = "dataset.json";
/** The manifest's own columns; label columns follow them. */
export const MANIFEST_COLUMNS: readonly string[] = ["id", "source", "split", "soma_x", "soma_y", "soma_z"];

export const DEFAULT_INFO: Omit<DatasetInfo, "labelColumns"> = {
  format: "neuron-voxel-dataset",
  version: 1,
  centre: "soma",
  normalisation: "shape",
  points: 100_000,
  seed: 1996,
  npzScale: 1000,
};

/** File-name-safe form of an id (ids must stay distinct after it). */
export function safeId(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, "_");
}

export function formatManifest(rows: DatasetRow[], labelColumns: string[]): string {
  const columns = [...MANIFEST_COLUMNS, ...labelColumns];
  const records = rows.map((r) => {
    const rec: Record<string, Cell> = {
      id: r.id,
      source: r.source,
      split: r.split,
      soma_x: r.soma ? r.soma[0] : null,
      soma_y: r.soma ? r.soma[1] : null,
      soma_z: r.soma ? r.soma[2] : null,
    };
    for (const c of labelColumns) rec[c] = r.labels[c] ?? null;
    return rec;
  });
  return formatCsv(columns, records);
}

export function parseManifest(text: string, file: string): { rows: DatasetRow[]; labelColumns: string[] } {
  const { columns, rows } = parseCsv(text, file);
  for (const c of MANIFEST_COLUMNS) {
    if (!columns.includes(c))
      throw new ParseError(file, { line: 1 }, `missing column "${c}"; a manifest starts with ${MANIFEST_COLUMNS.join(",")}`);
  }
  const at = Object.fromEntries(columns.map((c, i) => [c, i]));
  const labelColumns = columns.filter((c) => !MANIFEST_COLUMNS.includes(c));
  const seen = new Map<string, number>();
  const seenSafe = new Map<string, string>();
  const out = rows.map((f, r) => {
    const line = r + 2;
    const id = f[at.id!]!;
    if (id === "") throw new ParseError(file, { line }, "empty id");
    const prev = seen.get(id);
    if (prev !== undefined) throw new ParseError(file, { line }, `id ${id} repeated (first on line ${prev})`);
    seen.set(id, line);
    const other = seenSafe.get(safeId(id));
    if (other !== undefined) throw new ParseError(file, { line }, `ids "${other}" and "${id}" map to the same cache file name`);
    seenSafe.set(safeId(id), id);
    const s = [f[at.soma_x!]!, f[at.soma_y!]!, f[at.soma_z!]!];
    let soma: [number, number, number] | null = null;
    if (s.some((v) => v !== "")) {
      const v = s.map(Number);
      if (s.some((x) => x === "") || v.some((x) => !Number.isFinite(x))) {
        throw new ParseError(file, { line }, `soma_x/y/z: expected three numbers or three empty fields, found "${s.join('", "')}"`);
      }
      soma = v as [number, number, number];
    }
    const labels: Record<string, string> = {};
    for (const c of labelColumns) labels[c] = f[at[c]!]!;
    return { id, source: f[at.source!]!, split: f[at.split!]!, soma, labels };
  });
  return { rows: out, labelColumns };
}

export function readInfo(dir: string): DatasetInfo {
  const file = path.join(dir, INFO);
  if (!fs.existsSync(file))
    throw new WorkbenchError(
      `${dir}: not a dataset directory (no ${INFO}); create one with \`npm run dataset -- create\` (in a notebook: createDatasetFromFiles)`,
    );
  let raw: Partial<DatasetInfo>;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<DatasetInfo>;
  } catch (e) {
    throw new ParseError(file, {}, `not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  if (raw.format !== "neuron-voxel-dataset" || raw.version !== 1) {
    throw new ParseError(
      file,
      {},
      `expected format "neuron-voxel-dataset" version 1, found ${JSON.stringify(raw.format)} version ${raw.version}`,
    );
  }
  const info = { ...DEFAULT_INFO, labelColumns: [], ...raw } as DatasetInfo;
  checkChoice(`${file}: centre`, info.centre, CENTRE_MODES);
  const n = info.normalisation;
  if (n !== "shape" && !(typeof n === "object" && Number.isFinite(n.min) && Number.isFinite(n.max) && n.max > n.min)) {
    throw new ConfigError(`${file}: normalisation must be "shape" or {"min": a, "max": b} with b > a; found ${JSON.stringify(n)}`);
  }
  return info;
}

export function writeInfo(dir: string, info: DatasetInfo): void {
  writeFileAtomic(path.join(dir, INFO), JSON.stringify(info, null, 2) + "\n");
}
