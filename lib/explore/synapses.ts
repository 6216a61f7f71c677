import * as fs from "node:fs";
import * as path from "node:path";
import type { Matrix } from "../analysis";
import { ConfigError, WorkbenchError } from "../core";
import { parseCsv } from "../io";
import {
  cropSynapse,
  featureFileName,
  formatFinding,
  listBoxes,
  loadBox,
  randomFeatureNetwork,
  pretrainedFeatureNetwork,
  readFeatureCsv,
  runSynapsePipeline,
  SEGMENTATION_TYPES,
  synapseGifName,
  synapseId,
  RANDOM_WEIGHTS_WARNING,
  type FeatureNetwork,
  type Finding,
  type SynapseBox,
  type SynapseCrop,
} from "../synapse";
import { encodePng, synapseMap, synapseSlice, themed, tileImages, type Figure, type SynapseColoring } from "../viz";
import { filesVersion, LruCache } from "./cache";
import type { Catalogue } from "./catalogue";
import { JobStopped, type JobRunner, type JobStatus } from "./jobs";
import { describeColumns, labelMap, type LabelColumns, type LabelKind } from "./labels";

/**
 * The synapse side of the page: the runs of the synapse pipeline found in
 * the results (clusters_seg<T>_alpha<A>.csv with its features CSV and GIF
 * folder), their cluster maps, one synapse's crop slice by slice, and new
 * runs started from the page. A new run writes where the others are, so
 * features already computed for the same segmentation type and α are read
 * back, not computed again.
 */
export interface SynapseRun {
  key: string;
  label: string;
  segType: number;
  alpha: number;
  k: number;
  synapses: number;
  /** The features CSV beside the clusters, relative to the results (null when missing). */
  features: string | null;
}

/** A features CSV, finished or not: what a new run with its settings reads back instead of computing. */
export interface FeatureFile {
  key: string;
  /** Its folder relative to the results, where a new run beside it would write. */
  dir: string;
  segType: number;
  alpha: number;
  synapses: number;
}

export interface SynapseMapView {
  run: string;
  colour: string;
  ids: string[];
  coords: number[];
  figure: Figure;
  columns: Array<{ name: string; kind: LabelKind }>;
  note: string;
}

export interface SynapseInfo {
  id: string;
  cluster: string;
  /** The run's row for this synapse: the features CSV's columns without the features. */
  row: Array<{ name: string; value: string }>;
  /** Findings of loading its box and cropping it, formatted as in the pipeline's log. */
  warnings: string[];
  /** Slices of the crop (the z slider's range) and their side in pixels; null when it could not be cropped. */
  slices: { count: number; size: number } | null;
  gif: boolean;
  emData: string | null;
  notes: string[];
}

export interface RerunRequest {
  segType: number;
  alpha: number;
  k: number;
  /** The run whose folder the new one goes to (default the first folder with runs). */
  besides?: string;
}

const CLUSTERS_FILE = /^clusters_(seg(\d+)_alpha(\d+(?:\.\d+)?))\.csv$/;
const FEATURES_FILE = /^features_seg(\d+)_alpha(\d+(?:\.\d+)?)\.csv$/;
/** Colourings synapseMap draws with its own fixed colours. */
const GROUPINGS: Record<string, SynapseColoring> = { cluster: "cluster", box: "box", type: "type" };

interface RunData {
  ids: string[];
  coords: Float64Array;
  columns: LabelColumns & { cluster: string[]; box: string[] };
  meta: Map<string, Record<string, string>>;
  metaColumns: string[];
}

function runFiles(file: string): { tag: string; segType: number; alpha: number; features: string; gifs: string } {
  const m = CLUSTERS_FILE.exec(path.basename(file))!;
  const dir = path.dirname(file);
  return {
    tag: m[1]!,
    segType: Number(m[2]),
    alpha: Number(m[3]),
    features: path.join(dir, featureFileName(Number(m[2]), Number(m[3]))),
    gifs: path.join(dir, `gifs_${m[1]!}`),
  };
}

function readRun(file: string): RunData {
  const { columns, rows } = parseCsv(fs.readFileSync(file, "utf8"), file);
  const need = ["id", "bbox", "cluster", "umap_1", "umap_2"];
  const missing = need.filter((c) => !columns.includes(c));
  if (missing.length)
    throw new WorkbenchError(
      `${file}: expected the columns ${need.join(", ")} (the synapse pipeline's clusters file); missing ${missing.join(", ")}`,
    );
  // parseCsv gives every row one field per column, and the columns read here were checked above.
  const cell = (r: string[], c: string): string => r[columns.indexOf(c)]!;
  const coords = new Float64Array(rows.length * 2);
  rows.forEach((r, i) => {
    coords[2 * i] = Number(cell(r, "umap_1"));
    coords[2 * i + 1] = Number(cell(r, "umap_2"));
  });
  const ids = rows.map((r) => cell(r, "id"));
  const out: RunData["columns"] = { cluster: rows.map((r) => cell(r, "cluster")), box: rows.map((r) => cell(r, "bbox")) };
  if (columns.includes("true_type")) out.type = rows.map((r) => cell(r, "true_type"));
  const meta = new Map<string, Record<string, string>>();
  let metaColumns: string[] = [];
  const features = runFiles(file).features;
  if (fs.existsSync(features)) {
    const t = readFeatureCsv(features);
    metaColumns = t.columns;
    for (const r of t.rows) meta.set(synapseId(r.meta), r.meta);
    for (const c of t.columns) {
      if (c === "bbox" || c === "Var1" || c in out) continue;
      out[c] = ids.map((id) => meta.get(id)?.[c] ?? "");
    }
  }
  return { ids, coords, columns: out, meta, metaColumns };
}

function checkRerun(r: RerunRequest): void {
  if (!Number.isInteger(r.segType) || !(r.segType in SEGMENTATION_TYPES))
    throw new ConfigError(`segmentation type: expected one of ${Object.keys(SEGMENTATION_TYPES).join(", ")}; found ${r.segType}`);
  // The run's files are named with α to one decimal (features_seg10_alpha0.5.csv): finer values would share a file.
  if (!(r.alpha >= 0 && r.alpha <= 1) || Math.abs(r.alpha * 10 - Math.round(r.alpha * 10)) > 1e-9)
    throw new ConfigError(`α: expected 0, 0.1, …, 1; found ${r.alpha}`);
  if (!Number.isInteger(r.k) || r.k < 2) throw new ConfigError(`k: expected an integer of at least 2; found ${r.k}`);
}

export class SynapseViews {
  private data = new LruCache<{ version: string; run: RunData }>(8);
  private boxes = new LruCache<Promise<{ box: SynapseBox | null; findings: Finding[] }>>(2);
  private crops = new LruCache<{ crop: SynapseCrop | null; findings: Finding[]; emData: string | null }>(8);
  private network: FeatureNetwork | null = null;

  constructor(
    private readonly jobs: JobRunner,
    private readonly options: { network?: FeatureNetwork; weights?: string; log: (line: string) => void },
  ) {}

  /** Every clusters file under the results, newest settings last. */
  runs(cat: Catalogue): SynapseRun[] {
    const out: SynapseRun[] = [];
    for (const dir of cat.synapseOutputs) {
      for (const name of fs.readdirSync(dir).sort((a, b) => a.localeCompare(b, "en", { numeric: true }))) {
        if (!CLUSTERS_FILE.test(name)) continue;
        const file = path.join(dir, name);
        const f = runFiles(file);
        let run: RunData;
        try {
          run = this.run(file);
        } catch {
          continue;
        }
        const k = new Set(run.columns.cluster).size;
        const where = path.relative(cat.results, dir) || ".";
        out.push({
          key: path.relative(cat.results, file),
          label: `seg ${f.segType} (${SEGMENTATION_TYPES[f.segType] ?? "?"}), α ${f.alpha.toFixed(1)}, k ${k}: ${run.ids.length} synapses in ${where}/`,
          segType: f.segType,
          alpha: f.alpha,
          k,
          synapses: run.ids.length,
          features: fs.existsSync(f.features) ? path.relative(cat.results, f.features) : null,
        });
      }
    }
    return out;
  }

  /** The features CSVs where new runs would write (beside the runs, else <results>/synapse). */
  featureFiles(cat: Catalogue): FeatureFile[] {
    const dirs = cat.synapseOutputs.length ? cat.synapseOutputs : [path.join(cat.results, "synapse")];
    const out: FeatureFile[] = [];
    for (const dir of dirs) {
      if (!fs.existsSync(dir)) continue;
      for (const name of fs.readdirSync(dir)) {
        const m = FEATURES_FILE.exec(name);
        if (!m) continue;
        const file = path.join(dir, name);
        // Rows are counted by lines: reading 192 numbers per synapse only to count them is wasted work.
        const lines = fs
          .readFileSync(file, "utf8")
          .split("\n")
          .filter((l) => l !== "").length;
        out.push({
          key: path.relative(cat.results, file),
          dir: path.relative(cat.results, dir) || ".",
          segType: Number(m[1]),
          alpha: Number(m[2]),
          synapses: Math.max(0, lines - 1),
        });
      }
    }
    return out;
  }

  /** The network new runs use; whether it is pretrained, for the page's warning. */
  networkInfo(): { weights: string; pretrained: boolean; warning: string | null } {
    if (this.options.network)
      return {
        weights: this.options.network.weights,
        pretrained: this.options.network.pretrained,
        warning: this.options.network.pretrained ? null : RANDOM_WEIGHTS_WARNING,
      };
    if (this.options.weights) return { weights: this.options.weights, pretrained: true, warning: null };
    return { weights: "random (seed 1996)", pretrained: false, warning: RANDOM_WEIGHTS_WARNING };
  }

  private run(file: string): RunData {
    const f = runFiles(file);
    const version = filesVersion(file, f.features);
    const hit = this.data.get(file);
    if (hit && hit.version === version) return hit.run;
    const run = readRun(file);
    this.data.set(file, { version, run });
    return run;
  }

  private file(cat: Catalogue, key: string): string {
    const run = this.runs(cat).find((r) => r.key === key);
    if (!run) throw new ConfigError(`no synapse run "${key}" in ${cat.results}`);
    return path.join(cat.results, run.key);
  }

  map(cat: Catalogue, key: string, colour = "cluster"): SynapseMapView {
    const file = this.file(cat, key);
    const run = this.run(file);
    const points: Matrix = { rows: run.ids.length, cols: 2, data: run.coords };
    let figure: Figure;
    const grouping = GROUPINGS[colour];
    const values = run.columns[colour];
    if (grouping && values) {
      const rows = Array.from({ length: run.ids.length }, (_, i) => [run.coords[2 * i]!, run.coords[2 * i + 1]!]);
      figure = themed(synapseMap(rows, values, { colorBy: grouping, ids: run.ids, title: "" }));
    } else figure = labelMap(points, run.ids, run.columns, colour, "UMAP");
    const f = runFiles(file);
    return {
      run: key,
      colour,
      ids: run.ids,
      coords: Array.from(run.coords),
      figure,
      columns: describeColumns(run.columns),
      note: `UMAP of the standardised VGG3D features, read from ${path.relative(cat.results, file)}${fs.existsSync(f.features) ? ` and ${path.relative(cat.results, f.features)}` : " (no features CSV beside it)"}`,
    };
  }

  /** The EM folder whose boxes the run's synapses come from. */
  private emFor(cat: Catalogue, run: RunData): string | null {
    const boxes = new Set(run.columns.box);
    for (const dir of cat.emData) {
      try {
        const have = new Set(listBoxes(dir));
        if ([...boxes].every((b) => have.has(b))) return dir;
      } catch {
        continue;
      }
    }
    return null;
  }

  /**
   * A synapse of a run, found by its id among the run's own rows: the box,
   * name and GIF path come from the run's files, never from the request.
   */
  private synapse(
    cat: Catalogue,
    key: string,
    id: string,
  ): { file: string; run: RunData; index: number; box: string; name: string; gif: string } {
    const file = this.file(cat, key);
    const run = this.run(file);
    const index = run.ids.indexOf(id);
    if (index < 0) throw new ConfigError(`no synapse "${id}" in ${key}`);
    const box = run.columns.box[index]!;
    const name = run.meta.get(id)?.Var1 ?? id.slice(id.indexOf("/") + 1);
    return { file, run, index, box, name, gif: path.join(runFiles(file).gifs, synapseGifName(box, name)) };
  }

  private async crop(
    cat: Catalogue,
    key: string,
    id: string,
  ): Promise<{ crop: SynapseCrop | null; findings: Finding[]; emData: string | null }> {
    const s = this.synapse(cat, key, id);
    const cacheKey = `${s.file}|${id}`;
    const hit = this.crops.get(cacheKey);
    if (hit) return hit;
    const em = this.emFor(cat, s.run);
    if (!em) return { crop: null, findings: [], emData: null };
    const loaded = await this.boxes.getOr(`${em}|${s.box}`, () => loadBox(em, s.box));
    const findings = loaded.findings.filter((x) => x.synapse === undefined || x.synapse === s.name);
    const record = loaded.box?.synapses.find((r) => r.name === s.name);
    let crop: SynapseCrop | null = null;
    if (record) {
      const f = runFiles(s.file);
      const r = cropSynapse(loaded.box!, record, { segType: f.segType, alpha: f.alpha });
      crop = r.crop;
      findings.push(...r.findings);
    }
    const value = { crop, findings, emData: em };
    this.crops.set(cacheKey, value);
    return value;
  }

  async info(cat: Catalogue, key: string, id: string): Promise<SynapseInfo> {
    const s = this.synapse(cat, key, id);
    const notes: string[] = [];
    const meta = s.run.meta.get(id);
    const row = meta
      ? s.run.metaColumns.map((c) => ({ name: c, value: meta[c] ?? "" }))
      : Object.entries(s.run.columns).map(([name, v]) => ({ name, value: v[s.index]! }));
    if (!meta) notes.push("The features CSV of this run is missing: the row shows the clusters file only.");
    const c = await this.crop(cat, key, id);
    if (!c.emData)
      notes.push(
        `No EM data with the boxes of this run found (looked in ${cat.emData.length ? cat.emData.join(", ") : "the results"}): give --synapses <EM dir> to see the crop.`,
      );
    else if (!c.crop) notes.push(`${c.emData}: this synapse could not be cropped (see the warnings).`);
    return {
      id,
      cluster: s.run.columns.cluster[s.index]!,
      row,
      warnings: c.findings.map(formatFinding),
      slices: c.crop ? { count: c.crop.size, size: c.crop.outputSize } : null,
      gif: fs.existsSync(s.gif),
      emData: c.emData,
      notes,
    };
  }

  /** Every z slice of the crop, top to bottom in one PNG: raw intensities with the segmentation mask tinted (or without). */
  async slices(cat: Catalogue, key: string, id: string, overlay: boolean): Promise<Uint8Array> {
    const c = await this.crop(cat, key, id);
    if (!c.crop) throw new WorkbenchError(`synapse "${id}" has no crop (${c.emData ? "see its warnings" : "no EM data found"})`);
    const crop = c.crop;
    const frames = Array.from({ length: crop.size }, (_, z) =>
      synapseSlice({ values: crop.raw, mask: overlay ? crop.mask : undefined, size: crop.outputSize }, z),
    );
    return encodePng(tileImages(frames, 1, 0));
  }

  /** The GIF the pipeline wrote for the synapse, or null. */
  gifFile(cat: Catalogue, key: string, id: string): string | null {
    const gif = this.synapse(cat, key, id).gif;
    return fs.existsSync(gif) ? gif : null;
  }

  /**
   * Features (reusing a features CSV of the same segmentation type and α),
   * clusters, figures and report for the EM data, as `npm run synapse`
   * writes them.
   */
  rerun(cat: Catalogue, request: RerunRequest): JobStatus {
    checkRerun(request);
    const em = cat.emData[0];
    if (!em)
      throw new ConfigError(
        `no EM data (raw/bbox…) found under ${cat.results}: start the explorer with --synapses <EM dir> to run the pipeline`,
      );
    const besides = request.besides ? this.runs(cat).find((r) => r.key === request.besides) : undefined;
    const out = besides ? path.dirname(path.join(cat.results, besides.key)) : (cat.synapseOutputs[0] ?? path.join(cat.results, "synapse"));
    const { segType, alpha, k } = request;
    const features = path.join(out, featureFileName(segType, alpha));
    const title = `features and clusters: seg ${segType} (${SEGMENTATION_TYPES[segType]}), α ${alpha.toFixed(1)}, k ${k}${fs.existsSync(features) ? " (features reused)" : ""}`;
    return this.jobs.start(`synapse ${out} ${segType} ${alpha} ${k}`, "synapse-run", title, async (ctx) => {
      let inFeatures = true;
      const r = await runSynapsePipeline(em, out, {
        segType,
        alpha,
        k,
        network: this.featureNetwork(),
        log: this.options.log,
        onProgress: (e) => {
          if (!(e.label ?? "").startsWith("VGG3D features")) inFeatures = false;
          // extractFeatures saves its rows and returns when told to stop, but
          // the pipeline would then cluster the part done: the first step
          // after the features ends the job instead, before any file is written.
          if (ctx.stopRequested && !inFeatures)
            throw new JobStopped(
              `stopped: ${path.relative(cat.results, features)} keeps the features computed so far; run again to continue`,
            );
          return ctx.onProgress(e);
        },
      });
      const n = r.analysis.ids.length;
      const ari = r.analysis.ari === null ? "" : `, ARI ${r.analysis.ari.toFixed(3)} against the known types`;
      return {
        message: `${n} synapses (${r.run.computed} features computed now, ${n - r.run.computed} reused), k ${r.analysis.k}${ari}`,
        result: path.relative(cat.results, r.files.clusters),
      };
    });
  }

  private featureNetwork(): FeatureNetwork {
    this.network ??=
      this.options.network ?? (this.options.weights ? pretrainedFeatureNetwork(this.options.weights) : randomFeatureNetwork());
    return this.network;
  }

  clear(): void {
    this.data.clear();
    this.boxes.clear();
    this.crops.clear();
  }
}
