import * as fs from "node:fs";
import * as path from "node:path";
import { WorkbenchError, writeFileAtomic, type OnProgress } from "../core";
import { embedDataset, readEmbeddingTable } from "../embeddings";
import { writeSyntheticSynapses } from "../synthetic";
import { runSynapsePipeline } from "../synapse";
import { loadCheckpoint, resolveTrainOptions, train, type TrainingMode } from "../train";
import type { Figure } from "../viz";
import { disposeAutoencoder } from "../models";
import { evaluateAutoencoder } from "./evaluate-autoencoder";
import { exportNamedFigures } from "./figure-export";
import { embeddingMaps } from "./maps";
import { ensureNeuronDataset } from "./neurons";
import { demoReportHtml } from "./demo-report";
import { embeddingBaselines } from "./baselines";
import { evaluationHtml, formatEvaluation } from "../evaluation";
import { StepRunner } from "./steps";

export interface DemoOptions {
  /** Output folder (default "results"). */
  out?: string;
  /** Synthetic neurons (default 96). */
  neurons?: number;
  /** Surface points per synthetic neuron (default 100,000). */
  points?: number;
  /** Iterations of each tiny model (default: the tiny preset's). */
  iterations?: number;
  /** Synthetic EM boxes (default 4) and synapses per box (default 8). */
  boxes?: number;
  synapsesPerBox?: number;
  /** Segmentation types of the synapse pipeline (default [0, 10]). */
  segTypes?: number[];
  onProgress?: OnProgress;
  log?: (line: string) => void;
}

export interface ModelResult {
  mode: TrainingMode;
  runDir: string;
  /** Iterations trained, and the iteration of the best-F1 checkpoint evaluated here. */
  iterations: number;
  bestIteration: number;
  threshold: number;
  validation: { f1: number; iou: number; neurons: number };
  train: { f1: number; iou: number; neurons: number };
  neuron: { id: string; f1: number; iou: number };
  figures: string[];
  gifs: string[];
}

export interface MapsResult {
  mode: TrainingMode;
  embeddings: string;
  neurons: number;
  quality: Record<string, { trustworthiness: number; knnPreservation: number }>;
  knn: Record<string, { accuracy: number; std: number; chance: number }>;
  figures: string[];
}

export interface SynapseResult {
  segType: number;
  alpha: number;
  synapses: number;
  k: number;
  ari: number | null;
  ariAtTypeCount: { k: number; ari: number } | null;
  report: string;
  figures: string[];
}

/** The embeddings against the baselines, as the report shows them. */
export interface BaselinesResult {
  csv: string;
  json: string;
  html: string;
  text: string;
}

export interface DemoResult {
  out: string;
  report: string;
  models: ModelResult[];
  maps: MapsResult[];
  baselines: BaselinesResult;
  synapses: SynapseResult[];
}

const MODES: TrainingMode[] = ["dense", "nlat"];

/**
 * The main job: synthetic neurons and EM boxes, tiny Dense and nLat models,
 * their evaluation figures and GIFs, embeddings with t-SNE/UMAP maps, the
 * synapse pipeline for two segmentation types, and one HTML report, all in
 * `out`. Re-running keeps what is done.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const out = path.resolve(options.out ?? "results");
  const log = options.log ?? console.log;
  const dirs = {
    neurons: path.join(out, "data", "neurons"),
    synapses: path.join(out, "data", "synapses"),
    runs: path.join(out, "runs"),
    figures: path.join(out, "figures"),
    embeddings: path.join(out, "embeddings"),
    synapse: path.join(out, "synapse"),
  };
  fs.mkdirSync(out, { recursive: true });
  const steps = new StepRunner(path.join(out, "demo-state.json"), log);
  // Each step exports its own figures before it counts as done, so an
  // interrupted run never leaves a finished step without its files.
  const exportAll = (named: Record<string, Figure>): string[] => {
    log(`  exporting ${2 * Object.keys(named).length} PNG/SVG files through headless Chromium`);
    return exportNamedFigures(named, dirs.figures);
  };

  const grid = resolveTrainOptions("tiny").grid;
  const dataset = await ensureNeuronDataset({
    dir: dirs.neurons,
    grids: [grid],
    count: options.neurons ?? 96,
    points: options.points,
    onProgress: options.onProgress,
  });
  log(
    `neurons: ${dataset.rows.length} in ${dirs.neurons} (${["train", "val", "test"].map((s) => `${s} ${dataset.ids(s).length}`).join(", ")})`,
  );

  const models: ModelResult[] = [];
  const maps: MapsResult[] = [];
  for (const mode of MODES) {
    const runDir = path.join(dirs.runs, `tiny-${mode}`);
    const trained = await steps.step(`train tiny ${mode}`, async () => {
      const resume = fs.existsSync(path.join(runDir, "checkpoints", "last"));
      const s = await train(dataset, runDir, resolveTrainOptions("tiny", { mode, iterations: options.iterations }), {
        resume,
        onProgress: options.onProgress,
      });
      return { iteration: s.iteration, best: s.best };
    });
    models.push(
      await steps.step(`evaluate tiny ${mode}`, async (): Promise<ModelResult> => {
        const { autoencoder: ae, state } = loadCheckpoint<{ iteration: number }>(runDir, "best-f1");
        try {
          const e = await evaluateAutoencoder(ae, dataset, {
            name: `tiny ${mode}`,
            mode,
            runDir,
            figureDir: dirs.figures,
            prefix: `tiny-${mode}_`,
            onProgress: options.onProgress,
          });
          return {
            mode,
            runDir,
            iterations: trained.iteration,
            bestIteration: state?.iteration ?? 0,
            threshold: e.best.threshold,
            validation: { ...e.best.validation, neurons: e.scores.validation.neurons },
            train: { ...e.best.train, neurons: e.scores.train.neurons },
            neuron: { id: e.neuron.id, f1: e.neuron.f1, iou: e.neuron.iou },
            figures: e.files.figures,
            gifs: e.files.gifs,
          };
        } finally {
          disposeAutoencoder(ae);
        }
      }),
    );
    const embeddings = path.join(dirs.embeddings, `tiny-${mode}`);
    await steps.step(`embed tiny ${mode}`, async () => {
      const { autoencoder: ae } = loadCheckpoint(runDir, "best-f1");
      try {
        const r = await embedDataset(ae.encoder, dataset, grid, embeddings, { onProgress: options.onProgress });
        return { neurons: r.total, files: r.files };
      } finally {
        disposeAutoencoder(ae);
      }
    });
    maps.push(
      await steps.step(`maps tiny ${mode}`, async (): Promise<MapsResult> => {
        const table = readEmbeddingTable(embeddings);
        const m = await embeddingMaps(table, { name: `tiny ${mode}`, perplexity: 30, seed: 42 });
        const files = exportAll(Object.fromEntries(Object.entries(m.figures).map(([name, f]) => [`tiny-${mode}_map_${name}`, f])));
        return {
          mode,
          embeddings,
          neurons: table.ids.length,
          quality: Object.fromEntries(
            Object.entries(m.quality).map(([k, q]) => [k, { trustworthiness: q.trustworthiness, knnPreservation: q.knnPreservation }]),
          ),
          knn: Object.fromEntries(Object.entries(m.knn).map(([k, a]) => [k, { accuracy: a.accuracy, std: a.std, chance: a.chance }])),
          figures: files,
        };
      }),
    );
  }

  const baselines = await steps.step("embeddings against baselines", async (): Promise<BaselinesResult> => {
    const embeddings = maps.map((m) => ({ name: `tiny ${m.mode}`, table: readEmbeddingTable(m.embeddings) }));
    const r = await embeddingBaselines(dataset, embeddings, {
      out: path.join(out, "evaluation"),
      checkpoint: models[0]!.runDir,
      onProgress: options.onProgress,
    });
    if (!r) throw new WorkbenchError("demo: stopped while judging the embeddings against the baselines; run again to continue");
    return { ...r.files, html: evaluationHtml(r.evaluation), text: formatEvaluation(r.evaluation) };
  });

  await steps.step("synthetic synapses", () =>
    writeSyntheticSynapses(dirs.synapses, { seed: 1996, boxes: options.boxes ?? 4, synapses: options.synapsesPerBox ?? 8 }),
  );
  const synapses: SynapseResult[] = [];
  for (const segType of options.segTypes ?? [0, 10]) {
    synapses.push(
      await steps.step(`synapse pipeline seg type ${segType}`, async (): Promise<SynapseResult> => {
        const r = await runSynapsePipeline(dirs.synapses, dirs.synapse, { segType, alpha: 1, onProgress: options.onProgress, log });
        const files = exportAll(Object.fromEntries(Object.entries(r.figures).map(([name, f]) => [`synapse_seg${segType}_${name}`, f])));
        return {
          segType,
          alpha: 1,
          synapses: r.analysis.ids.length,
          k: r.analysis.k,
          ari: r.analysis.ari,
          ariAtTypeCount: r.analysis.ariAtTypeCount,
          report: r.files.report,
          figures: files,
        };
      }),
    );
  }

  const report = path.join(out, "report.html");
  writeFileAtomic(report, demoReportHtml({ out, models, maps, baselines, synapses, neurons: dataset.rows.length }));
  return { out, report, models, maps, baselines, synapses };
}
