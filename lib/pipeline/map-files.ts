import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { mapQuality, type KnnAccuracy, type MapQuality, type Matrix } from "../analysis";
import { ConfigError, MissingDependencyError, writeFileAtomic, type OnProgress } from "../core";
import type { EmbeddingTable } from "../embeddings";
import { formatCsv, parseCsv, type Cell } from "../io";
import { escapeHtml, figureHtml, findBrowser, htmlPage, htmlTable, type Figure } from "../viz";
import { exportNamedFigures } from "./figure-export";
import {
  computeMap,
  labelAccuracy,
  labelKind,
  MAP_METHOD_TITLES,
  MAP_METHODS,
  mapFigure,
  mapSettings,
  qualityK,
  tableMatrix,
  type MapMethod,
  type MapSettings,
} from "./maps";

/**
 * `npm run maps`: the maps of an embedding table as files a user can open in
 * pandas, danfojs, a browser or a thesis. In `out`:
 *   <method>.csv    id, x, y[, z], split, every label column (one row per neuron)
 *   <method>.json   the settings the map was computed with, and its quality
 *   quality.json    trustworthiness, k-NN preservation, k-NN accuracy per label
 *   maps.html       every figure, interactive, offline
 *   <method>_<column>.png / .svg   one figure per colour column (needs Chromium)
 * A map whose CSV and JSON exist with the same settings and the same table is
 * read back, not computed again.
 */

/** Up to this many neurons the map quality is exact; above, a seeded sample of as many query points (about a minute at 41k). */
export const QUALITY_SAMPLE = 5000;

const COORDINATES = ["x", "y", "z"];
const MIN_NEURONS = 10;

export interface WriteMapsOptions {
  /** Which maps (default t-SNE and UMAP). */
  methods?: readonly MapMethod[];
  dims?: 2 | 3;
  /** t-SNE perplexity (default 30; lowered for sets too small for it). */
  perplexity?: number;
  /** UMAP neighbourhood size (default 15). */
  neighbours?: number;
  /** Seed of the maps, the quality sample and the folds (default 42). */
  seed?: number;
  /** Columns to colour by, one figure each (default every label column; "split" when there is none). */
  colorBy?: readonly string[];
  /** Where the table came from, recorded in quality.json and used in titles. */
  tableFile?: string;
  /** PNG and SVG of every figure (default true); without Chromium only the HTML is written and `imagesMissing` says why. */
  images?: boolean;
  /** Progress of each map; return false to stop (maps finished so far are kept). */
  onProgress?: OnProgress;
  /** One line per thing done or reused. */
  log?: (line: string) => void;
}

export interface MapQualityRecord extends MapQuality {
  /** Cross-validated k-NN accuracy in the map, per categorical label column. */
  knnAccuracy: Record<string, KnnAccuracy>;
}

export interface WrittenMap {
  method: MapMethod;
  settings: MapSettings;
  csv: string;
  /** True when the map was read back from an earlier run. */
  reused: boolean;
  quality: MapQualityRecord;
}

export interface WriteMapsResult {
  /** True when a stop was requested during a map; the maps before it are written, nothing else. */
  stopped: boolean;
  maps: WrittenMap[];
  quality?: string;
  html?: string;
  /** PNG and SVG files written. */
  images: string[];
  /** Why no PNG/SVG were written, when Chromium is missing. */
  imagesMissing?: string;
}

/** sha256 of the ids and the values: what a map's reuse is checked against. */
export function tableFingerprint(table: EmbeddingTable): string {
  const h = createHash("sha256");
  h.update(table.ids.join("\n"));
  h.update(`\n${table.dim}\n`);
  h.update(new Uint8Array(table.values.buffer, table.values.byteOffset, table.values.byteLength));
  return h.digest("hex");
}

function columnFingerprint(values: readonly string[]): string {
  return createHash("sha256").update(JSON.stringify(values)).digest("hex");
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

/** What a map's JSON records: with the table's fingerprint, so a re-embedded table is mapped again. */
interface MapRecord {
  settings: MapSettings & { table: { sha256: string; neurons: number; dim: number } };
  seconds: number;
  quality: MapQuality;
}

function mapCsv(table: EmbeddingTable, map: Matrix): string {
  const axes = COORDINATES.slice(0, map.cols);
  const columns = ["id", ...axes, "split", ...Object.keys(table.labels)];
  const rows = table.ids.map((id, i) => {
    const r: Record<string, Cell> = { id, split: table.splits[i]! };
    // String(v) is the shortest text that reads back as the same double.
    axes.forEach((a, j) => (r[a] = String(map.data[i * map.cols + j]!)));
    for (const [c, v] of Object.entries(table.labels)) r[c] = v[i]!;
    return r;
  });
  return formatCsv(columns, rows);
}

/** The coordinates of an earlier run's CSV, or null when it does not fit the table. */
function readMapCsv(file: string, table: EmbeddingTable, dims: number): Matrix | null {
  if (!fs.existsSync(file)) return null;
  const { columns, rows } = parseCsv(fs.readFileSync(file, "utf8"), file);
  const at = COORDINATES.slice(0, dims).map((a) => columns.indexOf(a));
  if (columns[0] !== "id" || at.some((j) => j < 0) || rows.length !== table.ids.length) return null;
  const data = new Float64Array(rows.length * dims);
  for (let i = 0; i < rows.length; i++) {
    if (rows[i]![0] !== table.ids[i]) return null;
    for (let d = 0; d < dims; d++) {
      const v = Number(rows[i]![at[d]!]);
      if (!Number.isFinite(v)) return null;
      data[i * dims + d] = v;
    }
  }
  return { rows: rows.length, cols: dims, data };
}

function checkInput(table: EmbeddingTable, colorBy: readonly string[]): void {
  const clash = Object.keys(table.labels).filter((c) => ["id", "split", ...COORDINATES].includes(c));
  if (clash.length)
    throw new ConfigError(
      `label column${clash.length > 1 ? "s" : ""} ${clash.map((c) => `"${c}"`).join(", ")} would clash with the map CSV's own columns (id, x, y, z, split); rename ${clash.length > 1 ? "them" : "it"}`,
    );
  const available = ["split", ...Object.keys(table.labels)];
  const unknown = colorBy.filter((c) => !available.includes(c));
  if (unknown.length)
    throw new ConfigError(
      `colour by ${unknown.map((c) => `"${c}"`).join(", ")}: no such column; the table has ${available.map((c) => `"${c}"`).join(", ")}`,
    );
  if (table.ids.length < MIN_NEURONS)
    throw new ConfigError(`a map needs at least ${MIN_NEURONS} neurons; the table has ${table.ids.length}`);
}

function describe(s: MapSettings): string {
  const extra = s.method === "tsne" ? `perplexity ${s.perplexity}` : `${s.neighbours} neighbours`;
  return `${MAP_METHOD_TITLES[s.method]} ${s.dims}-D, ${extra}, seed ${s.seed}`;
}

/** The categorical label columns, the ones k-NN accuracy is scored against. */
function categoricalColumns(table: EmbeddingTable): string[] {
  return Object.keys(table.labels).filter((c) => labelKind(table.labels[c]!) === "categorical");
}

function accuracies(x: Matrix, table: EmbeddingTable, seed: number): Record<string, KnnAccuracy> {
  const out: Record<string, KnnAccuracy> = {};
  for (const c of categoricalColumns(table)) {
    const a = labelAccuracy(x, table.labels[c]!, seed);
    if (a) out[c] = a;
  }
  return out;
}

interface EmbeddingAccuracy extends KnnAccuracy {
  /** sha256 of the label values scored, so a later run with the same labels reuses the number. */
  labelsSha256: string;
}

/**
 * The embedding's own k-NN accuracy per categorical label, reusing an
 * earlier quality.json's numbers for the same table, seed and labels (at
 * 41k × 512 each label costs minutes).
 */
function embeddingAccuracies(
  x: Matrix,
  table: EmbeddingTable,
  fingerprint: string,
  seed: number,
  previous: unknown,
  log: (line: string) => void,
): Record<string, EmbeddingAccuracy> {
  const before = previous as
    { table?: { sha256?: string }; seed?: number; embedding?: { knnAccuracy?: Record<string, EmbeddingAccuracy> } } | undefined;
  const usable = before?.table?.sha256 === fingerprint && before.seed === seed ? (before.embedding?.knnAccuracy ?? {}) : {};
  const out: Record<string, EmbeddingAccuracy> = {};
  for (const c of categoricalColumns(table)) {
    const labelsSha256 = columnFingerprint(table.labels[c]!);
    if (usable[c]?.labelsSha256 === labelsSha256) {
      out[c] = usable[c]!;
      continue;
    }
    log(`k-NN accuracy of the embedding against ${c} (${table.ids.length} × ${table.dim})`);
    const a = labelAccuracy(x, table.labels[c]!, seed);
    if (a) out[c] = { ...a, labelsSha256 };
  }
  return out;
}

function qualityRows(maps: WrittenMap[], embedding: Record<string, KnnAccuracy>): Array<Record<string, unknown>> {
  const acc = (a: KnnAccuracy | undefined) => (a ? `${a.accuracy.toFixed(3)} ± ${a.std.toFixed(3)} (chance ${a.chance.toFixed(3)})` : "");
  const columns = Object.keys(embedding);
  return [
    {
      space: "embedding (all dimensions)",
      trustworthiness: "",
      "k-NN preservation": "",
      ...Object.fromEntries(columns.map((c) => [`k-NN accuracy: ${c}`, acc(embedding[c])])),
    },
    ...maps.map((m) => ({
      space: describe(m.settings),
      trustworthiness: m.quality.trustworthiness,
      "k-NN preservation": m.quality.knnPreservation,
      ...Object.fromEntries(columns.map((c) => [`k-NN accuracy: ${c}`, acc(m.quality.knnAccuracy[c])])),
    })),
  ];
}

/** Computes (or reads back) the maps of `table` and writes them, their quality and their figures into `out`. */
export async function writeEmbeddingMaps(table: EmbeddingTable, out: string, options: WriteMapsOptions = {}): Promise<WriteMapsResult> {
  const log = options.log ?? (() => {});
  const seed = options.seed ?? 42;
  const methods = options.methods ?? MAP_METHODS;
  const colorBy = options.colorBy ?? (Object.keys(table.labels).length ? Object.keys(table.labels) : ["split"]);
  checkInput(table, colorBy);
  const n = table.ids.length;
  const x = tableMatrix(table);
  const fingerprint = tableFingerprint(table);
  const name = options.tableFile ? path.basename(options.tableFile).replace(/(\.meta)?\.(csv|npy)$/i, "") : "embedding";
  fs.mkdirSync(out, { recursive: true });

  const written: WrittenMap[] = [];
  const coordinates: Matrix[] = [];
  const sample = n > QUALITY_SAMPLE ? QUALITY_SAMPLE : undefined;
  for (const method of methods) {
    const settings = mapSettings(method, n, { dims: options.dims, seed, perplexity: options.perplexity, neighbours: options.neighbours });
    if (method === "tsne" && options.perplexity !== undefined && settings.perplexity! < options.perplexity)
      log(`t-SNE: perplexity ${options.perplexity} is too high for ${n} neurons; using ${settings.perplexity}`);
    if (method === "umap" && options.neighbours !== undefined && settings.neighbours! < options.neighbours)
      log(`UMAP: ${options.neighbours} neighbours is too many for ${n} neurons; using ${settings.neighbours}`);
    const csv = path.join(out, `${method}.csv`);
    const recordFile = path.join(out, `${method}.json`);
    const wanted: MapRecord["settings"] = { ...settings, table: { sha256: fingerprint, neurons: n, dim: table.dim } };
    const before = readJson(recordFile) as MapRecord | undefined;
    const kept = before && isDeepStrictEqual(before.settings, wanted) ? readMapCsv(csv, table, settings.dims) : null;
    let map: Matrix;
    let record: MapRecord;
    if (kept) {
      log(`${describe(settings)}: kept from ${csv} (same settings and table)`);
      map = kept;
      record = before!;
    } else {
      log(`${describe(settings)} of ${n} × ${table.dim}`);
      const start = Date.now();
      const r = await computeMap(x, settings, options.onProgress);
      if (r.stopped) return { stopped: true, maps: written, images: [] };
      map = r.embedding;
      const [quality] = mapQuality(x, [map], { k: qualityK(n), sampleSize: sample, seed });
      record = { settings: wanted, seconds: (Date.now() - start) / 1000, quality: quality! };
    }
    // Rewritten only when it changes (labels joined from a dataset, say), so a kept map's file is untouched.
    const text = mapCsv(table, map);
    if (!kept || fs.readFileSync(csv, "utf8") !== text) writeFileAtomic(csv, text);
    // The JSON last: it marks the CSV as complete.
    if (!kept) writeFileAtomic(recordFile, JSON.stringify(record, null, 2) + "\n");
    written.push({
      method,
      settings,
      csv,
      reused: kept !== null,
      quality: { ...record.quality, knnAccuracy: accuracies(map, table, seed) },
    });
    coordinates.push(map);
  }

  const qualityFile = path.join(out, "quality.json");
  const embedding = embeddingAccuracies(x, table, fingerprint, seed, readJson(qualityFile), log);
  const quality = {
    table: { file: options.tableFile ?? null, sha256: fingerprint, neurons: n, dim: table.dim },
    seed,
    labels: Object.fromEntries(Object.entries(table.labels).map(([c, v]) => [c, labelKind(v)])),
    embedding: { knnAccuracy: embedding },
    maps: Object.fromEntries(written.map((m) => [m.method, { ...m.settings, csv: path.basename(m.csv), ...m.quality }])),
  };
  writeFileAtomic(qualityFile, JSON.stringify(quality, null, 2) + "\n");

  const figures: Record<string, Figure> = {};
  written.forEach((m, i) => {
    for (const c of colorBy)
      figures[`${m.method}_${c}`] = mapFigure(coordinates[i]!, table, c, {
        method: MAP_METHOD_TITLES[m.method],
        title: `${name}: ${MAP_METHOD_TITLES[m.method]} coloured by ${c}`,
      });
  });
  const count = Object.keys(figures).length;
  const html = path.join(out, "maps.html");
  const body = `<h1>Maps of ${escapeHtml(name)}</h1>
<p>${n} neurons × ${table.dim} dimensions${options.tableFile ? ` from ${escapeHtml(options.tableFile)}` : ""}. Quality with k = ${written[0]?.quality.k ?? qualityK(n)}${sample ? ` on ${sample} sampled neurons` : ""}; k-NN accuracy is cross-validated (stratified folds).</p>
${htmlTable(qualityRows(written, embedding), 4)}
${Object.values(figures)
  .map((f, i) => `<figure>${figureHtml(f, `fig-${i}`)}</figure>`)
  .join("\n")}
`;
  writeFileAtomic(html, htmlPage(`Maps of ${name}`, body));
  log(`${html}: ${count} figure(s)`);

  if (options.images === false) return { stopped: false, maps: written, quality: qualityFile, html, images: [] };
  try {
    findBrowser();
  } catch (e) {
    if (!(e instanceof MissingDependencyError)) throw e;
    return { stopped: false, maps: written, quality: qualityFile, html, images: [], imagesMissing: e.message };
  }
  log(`exporting ${count * 2} PNG/SVG files through headless Chromium`);
  const images = exportNamedFigures(figures, out);
  return { stopped: false, maps: written, quality: qualityFile, html, images };
}
