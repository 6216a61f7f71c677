import * as fs from "node:fs";
import * as path from "node:path";
import { toRows } from "../analysis";
import { type OnProgress, WorkbenchError, warnOnce, writeFileAtomic } from "../core";
import { clusterSampleGrid, elbowFigure, encodePng, synapseGif, synapseMap } from "../viz";
import type { Figure, SynapseSliceSource } from "../viz";
import { analyseSynapseFeatures, synapseId } from "./analysis";
import type { SynapseAnalysis } from "./analysis";
import { loadBox } from "./box";
import { cropSynapse, SEGMENTATION_TYPES } from "./crop";
import type { SynapseCrop } from "./crop";
import { extractFeatures } from "./features";
import type { FeatureNetwork, FeatureRun } from "./features";
import { formatFinding } from "./findings";
import type { Finding } from "./findings";
import { synapseReportHtml } from "./report";

/** The defaults of the pipeline's options, in one place for its callers (the command line's --help). */
export const SYNAPSE_PIPELINE_DEFAULTS = { segType: 10, alpha: 1, gray: 0.6, k: 10, seed: 42, samplesPerCluster: 4 } as const;

export interface SynapsePipelineOptions {
  /** Segmentation type 0–10 (default 10, cleft + presynapse). */
  segType?: number;
  /** Blending α (default 1). */
  alpha?: number;
  /** Gray level outside the mask (default 0.6). */
  gray?: number;
  /** k of the final k-means (default 10). */
  k?: number;
  /** Seed of UMAP, k-means, t-SNE (default 42). */
  seed?: number;
  /** Synapse ids (`bbox1/syn_1_01`) to mark in the maps; default the synapse nearest each cluster centre. */
  marked?: string[];
  /** Samples per cluster in the grid figure (default 4). */
  samplesPerCluster?: number;
  /** Write a GIF per synapse (default true). */
  gifs?: boolean;
  /** t-SNE 2D and 3D (default true). */
  tsne?: boolean;
  /** Label table file (default: the data folder's, else config/synapse-labels.json). */
  labelsFile?: string;
  network?: FeatureNetwork;
  /** Progress of each stage; returning false during the features stops the run (see SynapsePipelineStopped). */
  onProgress?: OnProgress;
  /** Where progress lines and findings go (default console.log). */
  log?: (line: string) => void;
}

export interface SynapsePipelineResult {
  run: FeatureRun;
  analysis: SynapseAnalysis;
  figures: Record<string, Figure>;
  findings: Finding[];
  /** Files written: features CSV, clusters CSV, sample grid PNG, report HTML, GIF folder. */
  files: { features: string; clusters: string; samples: string; report: string; gifs: string };
}

/**
 * Thrown when onProgress asked the features stage to stop: every finished
 * synapse's features are in the CSV, and the same call continues from them.
 * Nothing after the features (analysis, figures, report) has run.
 */
export class SynapsePipelineStopped extends WorkbenchError {
  constructor(readonly run: FeatureRun) {
    super(`stopped on request with ${run.table.rows.length} synapses' features saved in ${run.file}; run again to continue`);
  }
}

function tag(segType: number, alpha: number): string {
  return `seg${segType}_alpha${alpha.toFixed(1)}`;
}

/** The file name of a synapse's GIF inside the run's gifs_<tag>/ folder. */
export function synapseGifName(box: string, name: string): string {
  return `${box}_${name.replace(/[^A-Za-z0-9_.-]+/g, "_")}.gif`;
}

function centreSlice(crop: SynapseCrop): SynapseSliceSource {
  const n = crop.outputSize;
  const z = Math.floor(crop.size / 2);
  return { values: crop.blended.slice(z * n * n, (z + 1) * n * n), mask: crop.mask.slice(z * n * n, (z + 1) * n * n), size: n, z: 0 };
}

/**
 * The whole EM synapse pipeline of docs/synapses.md for one (segmentation
 * type, α): features (resumable), analysis, figures, sample grid, GIFs and an
 * offline HTML report, all under `outDir`. A stop requested through
 * onProgress while the features are computed throws SynapsePipelineStopped.
 */
export async function runSynapsePipeline(
  dataDir: string,
  outDir: string,
  options: SynapsePipelineOptions = {},
): Promise<SynapsePipelineResult> {
  const segType = options.segType ?? SYNAPSE_PIPELINE_DEFAULTS.segType;
  const alpha = options.alpha ?? SYNAPSE_PIPELINE_DEFAULTS.alpha;
  const gray = options.gray ?? SYNAPSE_PIPELINE_DEFAULTS.gray;
  const log = options.log ?? ((line: string) => console.log(line));
  const t = tag(segType, alpha);
  const gifDir = path.join(outDir, `gifs_${t}`);
  fs.mkdirSync(gifDir, { recursive: true });
  const slices = new Map<string, SynapseSliceSource>();
  const run = await extractFeatures(dataDir, outDir, {
    segType,
    alpha,
    gray,
    labelsFile: options.labelsFile,
    network: options.network,
    onProgress: options.onProgress,
    onCrop: (crop) => {
      slices.set(`${crop.box}/${crop.name}`, centreSlice(crop));
      const file = path.join(gifDir, synapseGifName(crop.box, crop.name));
      if (options.gifs !== false && !fs.existsSync(file))
        writeFileAtomic(file, synapseGif({ values: crop.blended, size: crop.outputSize }));
    },
  });
  if (run.stopped) throw new SynapsePipelineStopped(run);
  log(`features: ${run.table.rows.length} synapses (${run.computed} computed now) -> ${run.file}`);
  const skipped = run.findings.filter((f) => f.level === "error");
  for (const f of skipped.slice(0, 20)) log(formatFinding(f));
  if (skipped.length > 20) log(`… ${skipped.length - 20} more skipped (listed in the report)`);
  const analysis = await analyseSynapseFeatures(run.table, {
    k: options.k ?? SYNAPSE_PIPELINE_DEFAULTS.k,
    seed: options.seed ?? SYNAPSE_PIPELINE_DEFAULTS.seed,
    tsne: options.tsne,
    onProgress: options.onProgress,
  });
  const ids = analysis.ids;
  const clusterNames = Array.from(analysis.clusters, (c) => String(c));
  const marked = options.marked ?? analysis.representatives.map((i) => ids[i]!);
  const unknown = marked.filter((id) => !ids.includes(id));
  if (unknown.length > 0) warnOnce(`marked synapse ids not found: ${unknown.join(", ")} (ids look like ${ids[0]})`);
  const title = (what: string) => `${what} — segmentation type ${segType} (${SEGMENTATION_TYPES[segType]}), α ${alpha}`;
  const umapRows = toRows(analysis.umap2d);
  const figures: Record<string, Figure> = {
    umapByBox: synapseMap(umapRows, analysis.boxes, { colorBy: "box", ids, marked, title: title("UMAP by box") }),
    umapByCluster: synapseMap(umapRows, clusterNames, {
      colorBy: "cluster",
      ids,
      marked,
      title: title(`UMAP by k-means cluster (k = ${analysis.k})`),
    }),
    elbow: elbowFigure(analysis.elbow, analysis.k),
  };
  if (analysis.trueTypes)
    figures.umapByType = synapseMap(umapRows, analysis.trueTypes, { colorBy: "type", ids, marked, title: title("UMAP by known type") });
  if (analysis.tsne2d)
    figures.tsne2d = synapseMap(toRows(analysis.tsne2d), clusterNames, {
      colorBy: "cluster",
      ids,
      marked,
      axisPrefix: "t-SNE",
      title: title("t-SNE 2D by cluster"),
    });
  if (analysis.tsne3d)
    figures.tsne3d = synapseMap(toRows(analysis.tsne3d), clusterNames, {
      colorBy: "cluster",
      ids,
      marked,
      axisPrefix: "t-SNE",
      title: title("t-SNE 3D by cluster"),
    });

  // Sample grid: per cluster the representative first, then the next members.
  const perCluster = options.samplesPerCluster ?? SYNAPSE_PIPELINE_DEFAULTS.samplesPerCluster;
  const members: string[][] = Array.from({ length: analysis.k }, () => []);
  analysis.representatives.forEach((i) => members[analysis.clusters[i]!]!.push(ids[i]!));
  ids.forEach((id, i) => {
    const m = members[analysis.clusters[i]!]!;
    if (m.length < perCluster && !m.includes(id)) m.push(id);
  });
  const missing = members.flat().filter((id) => !slices.has(id));
  if (missing.length > 0) {
    // Rows resumed from an earlier run have no crop in memory: crop them again.
    const byBox = new Map<string, string[]>();
    for (const id of missing) {
      const [box, ...rest] = id.split("/");
      byBox.set(box!, [...(byBox.get(box!) ?? []), rest.join("/")]);
    }
    for (const [boxName, names] of byBox) {
      const { box } = await loadBox(dataDir, boxName, { labelsFile: options.labelsFile });
      for (const s of box?.synapses.filter((x) => names.includes(x.name)) ?? []) {
        slices.set(`${boxName}/${s.name}`, centreSlice(cropSynapse(box!, s, { segType, alpha, gray }).crop));
      }
    }
  }
  const gridRows = members.map((m) => m.map((id) => slices.get(id)).filter((s): s is SynapseSliceSource => s !== undefined));
  const samplesFile = path.join(outDir, `samples_${t}.png`);
  writeFileAtomic(samplesFile, encodePng(clusterSampleGrid(gridRows, perCluster)));

  const clustersFile = path.join(outDir, `clusters_${t}.csv`);
  const lines = ["id,bbox,Var1,cluster,umap_1,umap_2" + (analysis.trueTypes ? ",true_type" : "")];
  run.table.rows.forEach((r, i) => {
    const cells = [
      synapseId(r.meta),
      r.meta.bbox ?? "",
      r.meta.Var1 ?? "",
      String(analysis.clusters[i]),
      String(umapRows[i]![0]),
      String(umapRows[i]![1]),
    ];
    if (analysis.trueTypes) cells.push(analysis.trueTypes[i]!);
    lines.push(cells.map((c) => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(","));
  });
  writeFileAtomic(clustersFile, lines.join("\n") + "\n");

  const reportFile = path.join(outDir, `report_${t}.html`);
  const gifLinks = analysis.representatives.map((i) => {
    const [box, ...rest] = ids[i]!.split("/");
    return {
      id: ids[i]!,
      cluster: analysis.clusters[i]!,
      file: path.relative(outDir, path.join(gifDir, synapseGifName(box!, rest.join("/")))),
    };
  });
  writeFileAtomic(
    reportFile,
    synapseReportHtml({
      dataDir,
      segType,
      alpha,
      gray,
      run,
      analysis,
      figures,
      samplesImage: path.basename(samplesFile),
      gifs: gifLinks.filter((g) => fs.existsSync(path.join(outDir, g.file))),
    }),
  );
  return {
    run,
    analysis,
    figures,
    findings: run.findings,
    files: { features: run.file, clusters: clustersFile, samples: samplesFile, report: reportFile, gifs: gifDir },
  };
}
