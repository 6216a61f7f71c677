import * as fs from "node:fs";
import * as path from "node:path";
import { tsne, umap, type Matrix } from "../analysis";
import { ConfigError, ParseError } from "../core";
import type { Dataset } from "../dataset";
import { embeddingFiles, readEmbeddingTable, type EmbeddingTable } from "../embeddings";
import { parseCsv } from "../io";
import type { Figure } from "../viz";
import { filesVersion, LruCache } from "./cache";
import type { Catalogue, MapFileEntry } from "./catalogue";
import type { JobRunner, JobStatus } from "./jobs";
import { defaultColour, describeColumns, joinColumns, labelMap, type LabelColumns, type LabelKind } from "./labels";

/**
 * The neuron maps the page can show. A source is an embedding table (with
 * the map files of `npm run maps` whose ids are the table's) or, when no
 * table is there, a map file on its own. A table's maps are its files
 * and, computed on request with the demo's settings, t-SNE and UMAP in 2-D
 * and 3-D: kept in memory for the session, since only `npm run maps` writes
 * map files.
 */
export interface MapChoice {
  key: string;
  label: string;
  dims: 2 | 3;
  /** The map CSV, relative to the results; null for a map computed here. */
  file: string | null;
}

export interface NeuronSource {
  key: string;
  label: string;
  /** The table's stem relative to the results, or null for a map file without a table. */
  table: string | null;
  neurons: number;
  dim: number | null;
  maps: MapChoice[];
}

export interface MapView {
  source: string;
  map: string;
  colour: string;
  dims: 2 | 3;
  ids: string[];
  /** Flat n × dims coordinates, in the order of `ids`. */
  coords: number[];
  figure: Figure;
  columns: Array<{ name: string; kind: LabelKind }>;
  /** Where the map came from, in words. */
  note: string;
}

const COMPUTED: ReadonlyArray<{ key: string; method: "t-SNE" | "UMAP"; dims: 2 | 3 }> = [
  { key: "computed:tsne-2d", method: "t-SNE", dims: 2 },
  { key: "computed:umap-2d", method: "UMAP", dims: 2 },
  { key: "computed:tsne-3d", method: "t-SNE", dims: 3 },
  { key: "computed:umap-3d", method: "UMAP", dims: 3 },
];
/** The demo's and the embeddings notebook's settings, so a computed map looks like their figures. */
const SEED = 42;
const PERPLEXITY = 30;
const NEIGHBOURS = 15;
/** Below this a map says little and t-SNE's perplexity has no room. */
const MIN_NEURONS = 5;

interface MapFile {
  ids: string[];
  dims: 2 | 3;
  coords: Float64Array;
  columns: LabelColumns;
}

function readMapFile(entry: MapFileEntry): MapFile {
  const { columns, rows } = parseCsv(fs.readFileSync(entry.file, "utf8"), entry.file);
  const dims = entry.dims;
  const coords = new Float64Array(rows.length * dims);
  rows.forEach((r, i) => {
    for (let d = 0; d < dims; d++) {
      const v = Number(r[1 + d]);
      if (r[1 + d] === "" || !Number.isFinite(v))
        throw new ParseError(entry.file, { line: i + 2 }, `${columns[1 + d]}: expected a number, found ${JSON.stringify(r[1 + d])}`);
      coords[i * dims + d] = v;
    }
  });
  const labels: LabelColumns = {};
  columns.forEach((c, j) => {
    if (j > dims) labels[c] = rows.map((r) => r[j]!);
  });
  return { ids: rows.map((r) => r[0]!), dims, coords, columns: labels };
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const s = new Set(a);
  return b.every((id) => s.has(id));
}

export class NeuronMaps {
  private tables = new LruCache<{ version: string; table: EmbeddingTable }>(4);
  private files = new LruCache<{ version: string; map: MapFile }>(16);
  private computed = new LruCache<Matrix>(16);

  constructor(private readonly jobs: JobRunner) {}

  /** The embedding table at `stem` (cached until its files change). */
  table(stem: string): EmbeddingTable {
    const f = embeddingFiles(stem);
    const version = filesVersion(f.npy, f.meta, f.csv);
    const hit = this.tables.get(stem);
    if (hit && hit.version === version) return hit.table;
    const table = readEmbeddingTable(stem);
    this.tables.set(stem, { version, table });
    return table;
  }

  private mapFile(entry: MapFileEntry): MapFile {
    const version = filesVersion(entry.file);
    const hit = this.files.get(entry.file);
    if (hit && hit.version === version) return hit.map;
    const map = readMapFile(entry);
    this.files.set(entry.file, { version, map });
    return map;
  }

  /** Every source of the catalogue, with the maps each can show. */
  sources(cat: Catalogue): NeuronSource[] {
    const rel = (p: string) => path.relative(cat.results, p) || ".";
    const files = cat.mapFiles.map((e) => ({ entry: e, ids: this.mapFile(e).ids }));
    const claimed = new Set<string>();
    const out: NeuronSource[] = [];
    for (const stem of cat.tables) {
      let t: EmbeddingTable;
      try {
        t = this.table(stem);
      } catch {
        // A table being written (or broken) is left out until it reads.
        continue;
      }
      const own = files.filter((f) => sameIds(f.ids, t.ids));
      own.forEach((f) => claimed.add(f.entry.file));
      const maps: MapChoice[] = [
        ...own.map((f) => ({
          key: `file:${rel(f.entry.file)}`,
          label: `${f.entry.method} ${f.entry.dims}-D (${rel(f.entry.file)})`,
          dims: f.entry.dims,
          file: rel(f.entry.file),
        })),
        ...(t.ids.length >= MIN_NEURONS
          ? COMPUTED.map((c) => ({
              key: c.key,
              label: `${c.method} ${c.dims}-D${this.computed.get(`${stem}|${c.key}`) ? "" : " (computed on request)"}`,
              dims: c.dims,
              file: null,
            }))
          : []),
      ];
      out.push({
        key: rel(stem),
        label: `${rel(stem)} (${t.ids.length} × ${t.dim})`,
        table: rel(stem),
        neurons: t.ids.length,
        dim: t.dim,
        maps,
      });
    }
    for (const f of files) {
      if (claimed.has(f.entry.file)) continue;
      const key = rel(f.entry.file);
      out.push({
        key,
        label: `${key} (map file, no embedding table)`,
        table: null,
        neurons: f.ids.length,
        dim: null,
        maps: [{ key: `file:${key}`, label: `${f.entry.method} ${f.entry.dims}-D`, dims: f.entry.dims, file: key }],
      });
    }
    return out;
  }

  /** The source named `key`, with its ids and every label column known for them. */
  resolve(
    cat: Catalogue,
    key: string,
    dataset: Dataset | null,
  ): { source: NeuronSource; ids: string[]; columns: LabelColumns; table: EmbeddingTable | null } {
    const source = this.sources(cat).find((s) => s.key === key);
    if (!source) throw new ConfigError(`no neuron source "${key}" in ${cat.results}`);
    let ids: string[];
    const columns: LabelColumns = {};
    let table: EmbeddingTable | null = null;
    if (source.table !== null) {
      table = this.table(path.join(cat.results, source.table));
      ids = table.ids;
      columns.split = table.splits;
      Object.assign(columns, table.labels);
    } else {
      const m = this.mapFile(cat.mapFiles.find((e) => path.relative(cat.results, e.file) === key)!);
      ids = m.ids;
      Object.assign(columns, m.columns);
    }
    for (const choice of source.maps) {
      if (choice.file === null) continue;
      const m = this.mapFile(cat.mapFiles.find((e) => path.relative(cat.results, e.file) === choice.file)!);
      joinColumns(columns, ids, m.ids, m.columns);
    }
    if (dataset) {
      const rows = dataset.rows;
      const inDataset = new Set(rows.map((r) => r.id));
      if (ids.some((id) => inDataset.has(id))) {
        const labels: LabelColumns = { split: rows.map((r) => r.split) };
        for (const c of dataset.info.labelColumns) labels[c] = rows.map((r) => r.labels[c] ?? "");
        joinColumns(
          columns,
          ids,
          rows.map((r) => r.id),
          labels,
        );
      }
    }
    // A map file with no labels at all still gets one (empty) column to draw with.
    if (Object.keys(columns).length === 0) columns.label = ids.map(() => "");
    return { source, ids, columns, table };
  }

  /**
   * The map `mapKey` of source `sourceKey` coloured by `colour`, or the job
   * computing it when it is not there yet.
   */
  view(
    cat: Catalogue,
    dataset: Dataset | null,
    sourceKey: string,
    mapKey: string,
    colour: string | undefined,
  ): MapView | { pending: JobStatus } {
    const { source, ids, columns, table } = this.resolve(cat, sourceKey, dataset);
    const choice = source.maps.find((m) => m.key === mapKey);
    if (!choice)
      throw new ConfigError(`source "${sourceKey}" has no map "${mapKey}"; it has ${source.maps.map((m) => `"${m.key}"`).join(", ")}`);
    let coords: Float64Array | Float32Array;
    let note: string;
    let method: string;
    if (choice.file !== null) {
      const entry = cat.mapFiles.find((e) => path.relative(cat.results, e.file) === choice.file)!;
      const m = this.mapFile(entry);
      const at = new Map(m.ids.map((id, i) => [id, i]));
      coords = new Float64Array(ids.length * m.dims);
      ids.forEach((id, i) => {
        const j = at.get(id)!;
        for (let d = 0; d < m.dims; d++) coords[i * m.dims + d] = m.coords[j * m.dims + d]!;
      });
      method = entry.method;
      note = `${entry.method} ${entry.dims}-D read from ${choice.file}${qualityNote(entry)}`;
    } else {
      const spec = COMPUTED.find((c) => c.key === mapKey)!;
      const stem = path.join(cat.results, source.table!);
      const cacheKey = `${stem}|${mapKey}`;
      const f = embeddingFiles(stem);
      const version = filesVersion(f.npy, f.meta, f.csv);
      const hit = this.computed.get(`${cacheKey}|${version}`);
      if (!hit) {
        const t = table!;
        const pending = this.jobs.start(
          `neuron-map ${cacheKey}`,
          "neuron-map",
          `${spec.method} ${spec.dims}-D of ${source.table} (${t.ids.length} neurons)`,
          async (ctx) => {
            const x: Matrix = { rows: t.ids.length, cols: t.dim, data: t.values };
            const n = t.ids.length;
            const map =
              spec.method === "t-SNE"
                ? (
                    await tsne(x, {
                      dims: spec.dims,
                      perplexity: Math.min(PERPLEXITY, Math.floor((n - 1) / 3)),
                      seed: SEED,
                      onProgress: ctx.onProgress,
                    })
                  ).embedding
                : await umap(x, {
                    nComponents: spec.dims,
                    nNeighbors: Math.min(NEIGHBOURS, n - 1),
                    seed: SEED,
                    onProgress: ctx.onProgress,
                  });
            if (ctx.stopRequested) return { message: "stopped; nothing kept", result: null };
            this.computed.set(`${cacheKey}|${version}`, map);
            this.computed.set(cacheKey, map);
            return { message: `${spec.method} ${spec.dims}-D of ${n} neurons ready`, result: mapKey };
          },
        );
        return { pending };
      }
      coords = hit.data;
      method = spec.method;
      note = `${spec.method} ${spec.dims}-D computed here from ${source.table} (seed ${SEED}; not saved: \`npm run maps\` writes map files)`;
    }
    const chosen = colour ?? defaultColour(columns, ["layer", "class", "cluster"])!;
    const points: Matrix = { rows: ids.length, cols: choice.dims, data: coords };
    const figure = labelMap(points, ids, columns, chosen, method);
    return {
      source: source.key,
      map: mapKey,
      colour: chosen,
      dims: choice.dims,
      ids,
      coords: Array.from(coords),
      figure,
      columns: describeColumns(columns),
      note,
    };
  }

  clear(): void {
    this.tables.clear();
    this.files.clear();
    this.computed.clear();
  }
}

/** "; trustworthiness 0.93, k-NN preservation 0.41" from the quality.json beside a map file, when it has them. */
function qualityNote(entry: MapFileEntry): string {
  const file = path.join(path.dirname(entry.file), "quality.json");
  try {
    const q = JSON.parse(fs.readFileSync(file, "utf8")) as {
      maps?: Record<string, { csv?: string; trustworthiness?: number; knnPreservation?: number }>;
    };
    const m = Object.values(q.maps ?? {}).find((v) => v.csv === path.basename(entry.file));
    if (!m || typeof m.trustworthiness !== "number" || typeof m.knnPreservation !== "number") return "";
    return `; trustworthiness ${m.trustworthiness.toFixed(3)}, k-NN preservation ${m.knnPreservation.toFixed(3)}`;
  } catch {
    return "";
  }
}
