import * as fs from "node:fs";
import * as path from "node:path";
import { checkChoice, ConfigError, type OnProgress } from "../core";
import { buildCache, openDataset, MANIFEST, type Dataset } from "../dataset";
import { INFER_MODELS, loadInferenceNetwork } from "../interop";
import { disposeAutoencoder, type Autoencoder } from "../models";
import { synthNeurons } from "../synthetic";
import {
  checkpointConfig,
  loadCheckpoint,
  PRESETS,
  resolveTrainOptions,
  train,
  type Checkpoint,
  type TrainingMode,
  type TrainOptions,
  type TrainState,
  type TrainSummary,
} from "../train";
import type { EvaluationSplits } from "./evaluate-autoencoder";

export interface NeuronDataOptions {
  /** Dataset directory (manifest.csv + voxel cache). */
  dir: string;
  /** Grid sizes the cache must hold. */
  grids: number[];
  /** Synthetic neurons to generate when `dir` holds no dataset yet (default 96). */
  count?: number;
  /** Seed of the synthetic neurons (default 1996). */
  seed?: number;
  /** Surface points per synthetic neuron (default 100,000). */
  points?: number;
  onProgress?: OnProgress;
}

/**
 * The neuron dataset at `dir`, made ready for the given grids: synthetic
 * neurons are generated when the folder holds no dataset, and voxel grids
 * missing from the cache are built (work already done is kept).
 */
export async function ensureNeuronDataset(options: NeuronDataOptions): Promise<Dataset> {
  if (!fs.existsSync(path.join(options.dir, MANIFEST))) {
    await synthNeurons({
      out: options.dir,
      count: options.count ?? 96,
      seed: options.seed ?? 1996,
      points: options.points,
      onProgress: options.onProgress,
    });
  }
  let ds = openDataset(options.dir);
  const missing = options.grids.filter((g) => ds.ids().some((id) => !ds.hasGrid(id, g)));
  if (missing.length > 0) {
    await buildCache(options.dir, { sizes: missing, onProgress: options.onProgress });
    ds = openDataset(options.dir);
  }
  return ds;
}

export const MODEL_VARIANTS = ["dense64", "nlat64", "dense128", "nlat128"] as const;
export type ModelVariant = (typeof MODEL_VARIANTS)[number];

export interface ModelSetupOptions {
  /** The thesis variant the notebook is about: it names the architecture of a .pth file. */
  variant: ModelVariant;
  /**
   * A workbench run directory of any preset, one of its checkpoint
   * directories, or a thesis .pth file. Empty: train the `tiny` preset (in the
   * variant's mode) on the dataset instead.
   */
  checkpoint?: string;
  /** Dataset to train on when there is no checkpoint. */
  dataset: Dataset;
  /** Where the tiny run is kept (resumed if it is there). */
  runDir: string;
  /** Continue training a workbench run (ours or the tiny one) before inference. */
  train?: boolean;
  /** Override the tiny preset's iteration count. */
  iterations?: number;
  onProgress?: OnProgress;
}

export interface ModelSetup {
  autoencoder: Autoencoder;
  /** Where the weights came from, in words for the notebook. */
  origin: string;
  /** The training options of a workbench run (null for a .pth). */
  options: TrainOptions | null;
  /** How the model was trained: the run's mode, or the variant's for a .pth. */
  mode: TrainingMode;
  /** nLat's latent cells per batch (K): the run's, or the variant preset's for a .pth. */
  latentCells: number;
  /** The run's train and validation splits ("train" and "val" for a .pth). */
  splits: EvaluationSplits;
  /** The run directory (log and checkpoints); null for a .pth or a checkpoint outside a run. */
  runDir: string | null;
  /** What training did in this call (null when none ran). */
  trained: TrainSummary | null;
}

function hasRun(dir: string): boolean {
  return fs.existsSync(path.join(dir, "checkpoints", "last"));
}

/** What a checkpoint path is: a run directory, one checkpoint directory, or a PyTorch file. */
function checkpointKind(checkpoint: string): "run" | "checkpoint" | "pth" {
  if (!fs.existsSync(checkpoint)) {
    throw new ConfigError(
      `checkpoint ${checkpoint}: does not exist (expected a workbench run directory, one of its checkpoints/ directories, or a thesis .pth file)`,
    );
  }
  if (!fs.statSync(checkpoint).isDirectory()) return "pth";
  return fs.existsSync(path.join(checkpoint, "checkpoints")) ? "run" : "checkpoint";
}

/** The run a checkpoint directory belongs to (<run>/checkpoints/<name>), if any. */
function runOfCheckpoint(dir: string): string | null {
  const run = path.dirname(path.dirname(path.resolve(dir)));
  return path.basename(path.dirname(path.resolve(dir))) === "checkpoints" && fs.existsSync(path.join(run, "log.jsonl")) ? run : null;
}

/**
 * The input grid of the model a notebook will use, known before the model is
 * loaded (so the dataset's cache can be built first): a run's or
 * checkpoint's from its config, the variant's for a .pth, and without a
 * checkpoint the run kept in `runDir` or else the tiny preset's.
 */
export function modelGrid(variant: ModelVariant, checkpoint: string, runDir = ""): number {
  checkChoice("model variant", variant, MODEL_VARIANTS);
  if (checkpoint === "") return runDir !== "" && hasRun(runDir) ? checkpointConfig(runDir).grid : PRESETS.tiny.grid;
  return checkpointKind(checkpoint) === "pth" ? PRESETS[variant].grid : checkpointConfig(checkpoint).grid;
}

function fromCheckpoint(
  variant: ModelVariant,
  loaded: Checkpoint<TrainState>,
  origin: string,
  runDir: string | null,
  trained: TrainSummary | null,
): ModelSetup {
  const options = loaded.state?.options ?? null;
  const fallback = PRESETS[variant];
  return {
    autoencoder: loaded.autoencoder,
    origin,
    options,
    mode: options?.mode ?? fallback.mode,
    latentCells: options?.latentCells ?? fallback.latentCells,
    splits: { train: options?.trainSplit ?? fallback.trainSplit, validation: options?.validationSplit ?? fallback.validationSplit },
    runDir,
    trained,
  };
}

/**
 * The autoencoder a model notebook works with: loaded from a checkpoint (a
 * workbench run's architecture and mode come from the run, so any preset
 * works in any variant's notebook), or the tiny preset trained (or resumed)
 * on the dataset when none is given, so every notebook runs on a fresh clone.
 */
export async function prepareAutoencoder(o: ModelSetupOptions): Promise<ModelSetup> {
  const variant = checkChoice("model variant", o.variant, MODEL_VARIANTS);
  const checkpoint = o.checkpoint ?? "";
  const kind = checkpoint === "" ? null : checkpointKind(checkpoint);
  if (kind === "pth") {
    if (o.train) throw new ConfigError(`train: ${checkpoint} is a PyTorch file; only a workbench run directory can continue training`);
    const net = loadInferenceNetwork(checkpoint, checkChoice("model", variant, INFER_MODELS));
    if (net.kind !== "autoencoder") throw new Error("unreachable: an autoencoder variant loaded a VGG3D");
    return fromCheckpoint(
      variant,
      { autoencoder: net.autoencoder, state: null, optimizer: null },
      `thesis checkpoint ${checkpoint} (${variant})`,
      null,
      null,
    );
  }
  if (kind === "checkpoint") {
    if (o.train) throw new ConfigError(`train: ${checkpoint} is a single checkpoint; give its run directory to continue training`);
    return fromCheckpoint(variant, loadCheckpoint<TrainState>(checkpoint), `checkpoint ${checkpoint}`, runOfCheckpoint(checkpoint), null);
  }
  const runDir = kind === "run" ? checkpoint : o.runDir;
  const mode = PRESETS[variant].mode;
  let trained: TrainSummary | null = null;
  if (kind === null && !hasRun(runDir)) {
    trained = await train(o.dataset, runDir, resolveTrainOptions("tiny", { mode, iterations: o.iterations }), { onProgress: o.onProgress });
  } else if (o.train || kind === null) {
    // The tiny run is resumed when it stopped early; a given run only when asked.
    if (!hasRun(runDir)) throw new ConfigError(`train: ${runDir} has no checkpoints/last to continue from`);
    const last = loadCheckpoint<TrainState>(runDir, "last");
    disposeAutoencoder(last.autoencoder);
    const s = last.state;
    if (o.train && !s)
      throw new ConfigError(`train: the last checkpoint of ${runDir} holds no training state, so training cannot continue`);
    if (s && (o.train || s.iteration < s.options.iterations))
      trained = await train(o.dataset, runDir, s.options, { resume: true, onProgress: o.onProgress });
  }
  const best = loadCheckpoint<TrainState>(runDir, "best-f1");
  const origin =
    kind === "run"
      ? `run ${runDir} (best-f1)`
      : `tiny ${best.state?.options.mode ?? mode} preset trained on ${o.dataset.dir} (run ${runDir}, best-f1)`;
  return fromCheckpoint(variant, best, origin, runDir, trained);
}
