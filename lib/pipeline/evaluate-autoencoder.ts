import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError, WorkbenchError, withDefaults, writeFileAtomic, type OnProgress } from "../core";
import { safeId, type Dataset } from "../dataset";
import type { Autoencoder } from "../models";
import {
  bestThreshold,
  overlapScores,
  predictProbabilities,
  scoreCurves,
  scoresByThreshold,
  type OverlapScores,
  type ThresholdScores,
  type TrainingMode,
} from "../train";
import { predictionHistogramFigure, reconstructionFigure, rotatingGif, sliceGif, thresholdCurvesFigure, type Figure } from "../viz";
import { exportNamedFigures } from "./figure-export";
import { partialReconstruction, partialReconstructionFigure, trainingFigure } from "./model-notebook";

/** The dataset splits an evaluation scores: the threshold is chosen on `validation`. */
export interface EvaluationSplits {
  train: string;
  validation: string;
}

export interface EvaluationOptions {
  /** Name in figure titles, e.g. the variant ("dense64"). Default "autoencoder". */
  name?: string;
  /** How the model was trained; "nlat" adds the figure of the latent cells its training decodes. Default "dense". */
  mode?: TrainingMode;
  /** nLat: latent cells decoded in that figure (K of training). Default 10. */
  latentCells?: number;
  /** Split names in the dataset's manifest. Default train "train", validation "val". */
  splits?: EvaluationSplits;
  /** Neurons per split in the threshold search (0 = all). Default 0. */
  limit?: number;
  /** Neurons per batch in the threshold search (scores are averaged over batches, as in training). Default 8. */
  batchSize?: number;
  /** The neuron to reconstruct ("" = the first of the validation split). Default "". */
  neuron?: string;
  /** The run whose log gives the training curves (null: no training figure). Default null. */
  runDir?: string | null;
  /** Where figures and GIFs are written. Default "figures". */
  figureDir?: string;
  /** Prefix of every file name written, e.g. "tiny-dense_". Default "". */
  prefix?: string;
  /** Frames of the rotating GIF. Default 24. */
  gifFrames?: number;
  /** Write the GIFs and every figure as PNG and SVG; false writes nothing. Default true. */
  export?: boolean;
  /** Seed of the latent cells chosen for the nLat figure. Default 1996. */
  seed?: number;
  /** Progress of the threshold search; returning false stops the evaluation. */
  onProgress?: OnProgress;
}

const DEFAULTS: Required<Omit<EvaluationOptions, "onProgress">> = {
  name: "autoencoder",
  mode: "dense",
  latentCells: 10,
  splits: { train: "train", validation: "val" },
  limit: 0,
  batchSize: 8,
  neuron: "",
  runDir: null,
  figureDir: "figures",
  prefix: "",
  gifFrames: 24,
  export: true,
  seed: 1996,
};

function resolved(options: EvaluationOptions): Required<Omit<EvaluationOptions, "onProgress">> {
  const o = withDefaults(DEFAULTS, options);
  for (const key of ["limit", "batchSize", "latentCells", "gifFrames"] as const) {
    const min = key === "limit" ? 0 : 1;
    if (!Number.isInteger(o[key]) || o[key] < min)
      throw new ConfigError(`evaluation option ${key}: expected an integer >= ${min}; found ${o[key]}`);
  }
  return o;
}

/** The loss and validation curves of the run being evaluated (none without a run log). */
export function trainingCurves(options: EvaluationOptions = {}): { figures: { training?: Figure } } {
  const o = resolved(options);
  if (o.runDir === null || !fs.existsSync(path.join(o.runDir, "log.jsonl"))) return { figures: {} };
  return { figures: { training: trainingFigure(o.runDir, `Training curves (${o.name})`) } };
}

export interface ThresholdSearch {
  splits: EvaluationSplits;
  /** Mean F1 and IoU at every threshold, per split. */
  scores: { train: ThresholdScores; validation: ThresholdScores };
  /** The threshold of the best validation F1, and both splits' scores there. */
  best: { threshold: number; train: OverlapScores; validation: OverlapScores };
  figures: { threshold_f1: Figure; threshold_iou: Figure };
}

/**
 * F1 and IoU at thresholds 0.10, 0.15, …, 0.95 on the train and validation
 * splits, the threshold of the best validation F1, and the curves of both.
 */
export async function searchThreshold(
  autoencoder: Autoencoder,
  dataset: Dataset,
  options: EvaluationOptions = {},
): Promise<ThresholdSearch> {
  const o = resolved(options);
  const score = async (split: string): Promise<ThresholdScores> => {
    if (dataset.ids(split).length === 0) {
      const present = [...new Set(dataset.rows.map((r) => r.split))].join(", ");
      throw new ConfigError(
        `${dataset.dir}: the evaluation needs neurons in split "${split}"; the manifest's splits are ${present || "none"} (set the evaluation's splits)`,
      );
    }
    // Set by the progress callback, which TypeScript's narrowing does not follow.
    let stopped = false as boolean;
    const scores = await scoresByThreshold(autoencoder, dataset, split, {
      limit: o.limit,
      batchSize: o.batchSize,
      onProgress: (e) => {
        const answer = options.onProgress?.(e);
        if (answer === false && e.done < e.total) stopped = true;
        return answer;
      },
    });
    if (stopped) throw new WorkbenchError(`evaluation of ${o.name} stopped while scoring split "${split}"; nothing was written`);
    return scores;
  };
  const train = await score(o.splits.train);
  const validation = await score(o.splits.validation);
  const best = bestThreshold(validation, "f1");
  const at = train.thresholds.indexOf(best.threshold);
  return {
    splits: o.splits,
    scores: { train, validation },
    best: { threshold: best.threshold, train: { f1: train.f1[at]!, iou: train.iou[at]! }, validation: { f1: best.f1, iou: best.iou } },
    figures: {
      threshold_f1: thresholdCurvesFigure(scoreCurves(train, validation, "f1"), `F1 against threshold (${o.name})`),
      threshold_iou: thresholdCurvesFigure(scoreCurves(train, validation, "iou"), `IoU against threshold (${o.name})`),
    },
  };
}

/** The search's scores as table rows, one per threshold. */
export function thresholdTable(search: ThresholdSearch): Array<Record<string, number>> {
  const { train, validation } = search.scores;
  return train.thresholds.map((threshold, i) => ({
    threshold,
    [`${search.splits.train} F1`]: train.f1[i]!,
    [`${search.splits.train} IoU`]: train.iou[i]!,
    [`${search.splits.validation} F1`]: validation.f1[i]!,
    [`${search.splits.validation} IoU`]: validation.iou[i]!,
  }));
}

export interface NeuronReconstruction {
  id: string;
  /** The neuron's label columns from the manifest (layer, class…). */
  labels: Record<string, string>;
  grid: number;
  truth: Uint8Array;
  probabilities: Float32Array;
  threshold: number;
  /** F1 and IoU of this neuron at `threshold`. */
  scores: OverlapScores;
  figures: { histogram: Figure; reconstruction: Figure };
}

/** One neuron through the model: its probabilities, scores at `threshold`, histogram and 3-D comparison. */
export function reconstructNeuron(
  autoencoder: Autoencoder,
  dataset: Dataset,
  threshold: number,
  options: EvaluationOptions = {},
): NeuronReconstruction {
  const o = resolved(options);
  const id = o.neuron || dataset.ids(o.splits.validation)[0];
  if (id === undefined)
    throw new ConfigError(`${dataset.dir}: no neuron to reconstruct: split "${o.splits.validation}" is empty and no neuron was named`);
  const labels = dataset.row(id).labels;
  const grid = autoencoder.grid;
  const truth = dataset.grid(id, grid);
  const probabilities = predictProbabilities(autoencoder, truth);
  return {
    id,
    labels,
    grid,
    truth,
    probabilities,
    threshold,
    scores: overlapScores(probabilities, truth, threshold),
    figures: {
      histogram: predictionHistogramFigure(probabilities, threshold, {
        title: `${o.name}: predicted probabilities above 0.4, neuron ${id}`,
      }),
      reconstruction: reconstructionFigure(probabilities, truth, grid, {
        threshold,
        title: `${o.name}, neuron ${id}: ground truth (left) and prediction (right)`,
      }),
    },
  };
}

export interface DecodedLatentCells {
  /** The cells decoded (index (x·8 + y)·8 + z) and how many of them the neuron occupies. */
  cells: number[];
  occupied: number;
  figures: { latent_cells: Figure };
}

/** For an nLat model, the K latent cells its training decodes for this neuron; null for a dense one. */
export function decodedLatentCells(
  autoencoder: Autoencoder,
  neuron: NeuronReconstruction,
  options: EvaluationOptions = {},
): DecodedLatentCells | null {
  const o = resolved(options);
  if (o.mode !== "nlat") return null;
  const part = partialReconstruction(autoencoder, neuron.truth, { cells: o.latentCells, seed: o.seed });
  return {
    cells: part.cells,
    occupied: part.cells.filter((c) => part.occupied[c]).length,
    figures: { latent_cells: partialReconstructionFigure(neuron.truth, part, neuron.grid, neuron.threshold) },
  };
}

export interface NeuronGifs {
  rotating: Uint8Array;
  slices: Uint8Array;
  /** The GIF files written (none when export is off). */
  files: string[];
}

/** Ground truth and prediction turning about the depth axis, and the z slices, as GIFs. */
export function neuronGifs(neuron: NeuronReconstruction, options: EvaluationOptions = {}): NeuronGifs {
  const o = resolved(options);
  const rotating = rotatingGif(neuron.probabilities, neuron.truth, neuron.grid, { threshold: neuron.threshold, frames: o.gifFrames });
  const slices = sliceGif(neuron.probabilities, neuron.truth, neuron.grid, { zoom: Math.max(2, Math.round(192 / neuron.grid)) });
  const files: string[] = [];
  if (o.export) {
    for (const [kind, bytes] of [
      ["rotating", rotating],
      ["slices", slices],
    ] as const) {
      const file = path.join(o.figureDir, `${o.prefix}${safeId(neuron.id)}_${kind}.gif`);
      writeFileAtomic(file, bytes);
      files.push(file);
    }
  }
  return { rotating, slices, files };
}

/** The figures of several steps in one map by name (steps that did not run are null). */
export function evaluationFigures(steps: Array<{ figures: Record<string, Figure | undefined> } | null>): Record<string, Figure> {
  const out: Record<string, Figure> = {};
  for (const s of steps) for (const [name, f] of Object.entries(s?.figures ?? {})) if (f) out[name] = f;
  return out;
}

/** Every figure of the given steps as PNG (about 300 dpi) and SVG; nothing when export is off. */
export function exportEvaluationFigures(
  steps: Array<{ figures: Record<string, Figure | undefined> } | null>,
  options: EvaluationOptions = {},
): string[] {
  const o = resolved(options);
  return o.export ? exportNamedFigures(evaluationFigures(steps), o.figureDir, o.prefix) : [];
}

export interface AutoencoderEvaluation {
  splits: EvaluationSplits;
  scores: ThresholdSearch["scores"];
  best: ThresholdSearch["best"];
  /** The neuron shown, and its scores at the best threshold. */
  neuron: { id: string; labels: Record<string, string>; f1: number; iou: number };
  /** nLat: the latent cells decoded in the figure (null for a dense model). */
  latentCells: { cells: number[]; occupied: number } | null;
  figures: Record<string, Figure>;
  /** The files written: the GIFs, and every figure as PNG and SVG. */
  files: { gifs: string[]; figures: string[] };
}

/**
 * The whole evaluation of an autoencoder on a dataset: threshold search on
 * train and validation, one neuron's reconstruction, the nLat latent cells,
 * GIFs, and every figure exported. The model notebooks run the same steps
 * one cell at a time.
 */
export async function evaluateAutoencoder(
  autoencoder: Autoencoder,
  dataset: Dataset,
  options: EvaluationOptions = {},
): Promise<AutoencoderEvaluation> {
  // A misnamed neuron fails now rather than after the threshold search.
  if (options.neuron) dataset.row(options.neuron);
  const training = trainingCurves(options);
  const search = await searchThreshold(autoencoder, dataset, options);
  const neuron = reconstructNeuron(autoencoder, dataset, search.best.threshold, options);
  const latent = decodedLatentCells(autoencoder, neuron, options);
  const gifs = neuronGifs(neuron, options);
  const steps = [training, search, neuron, latent];
  const exported = exportEvaluationFigures(steps, options);
  return {
    splits: search.splits,
    scores: search.scores,
    best: search.best,
    neuron: { id: neuron.id, labels: neuron.labels, ...neuron.scores },
    latentCells: latent && { cells: latent.cells, occupied: latent.occupied },
    figures: evaluationFigures(steps),
    files: { gifs: gifs.files, figures: exported },
  };
}
