import * as fs from "node:fs";
import * as path from "node:path";
import { checkChoice, type OnProgress } from "../core";
import { buildCache, openDataset, MANIFEST, type Dataset } from "../dataset";
import { INFER_MODELS, loadInferenceNetwork } from "../interop";
import { disposeAutoencoder, type Autoencoder } from "../models";
import { synthNeurons } from "../synthetic";
import { loadCheckpoint, resolveTrainOptions, train, type TrainOptions, type TrainState, type TrainSummary } from "../train";

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
    await synthNeurons({ out: options.dir, count: options.count ?? 96, seed: options.seed ?? 1996, points: options.points, onProgress: options.onProgress });
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
  /** The thesis variant the notebook is about. */
  variant: ModelVariant;
  /**
   * A workbench run (or checkpoint) directory, or a thesis .pth file. Empty:
   * train the `tiny` preset (in the variant's mode) on the dataset instead.
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
  /** What training did in this call (null when none ran). */
  trained: TrainSummary | null;
}

function hasRun(dir: string): boolean {
  return fs.existsSync(path.join(dir, "checkpoints", "last"));
}

/**
 * The autoencoder a model notebook works with: loaded from a checkpoint, or
 * the tiny preset trained (or resumed) on the dataset when none is given, so
 * every notebook runs on a fresh clone.
 */
export async function prepareAutoencoder(o: ModelSetupOptions): Promise<ModelSetup> {
  const variant = checkChoice("model variant", o.variant, MODEL_VARIANTS);
  const mode = variant.startsWith("nlat") ? "nlat" : "dense";
  const checkpoint = o.checkpoint ?? "";
  if (checkpoint !== "" && !(o.train && fs.statSync(checkpoint).isDirectory())) {
    const net = loadInferenceNetwork(checkpoint, checkChoice("model", variant, INFER_MODELS));
    if (net.kind !== "autoencoder") throw new Error("unreachable: an autoencoder variant loaded a VGG3D");
    const options = fs.statSync(checkpoint).isDirectory() ? loadCheckpoint<TrainState>(checkpoint).state?.options ?? null : null;
    return { autoencoder: net.autoencoder, origin: `checkpoint ${checkpoint}`, options, trained: null };
  }
  const runDir = checkpoint !== "" ? checkpoint : o.runDir;
  let trained: TrainSummary | null = null;
  if (hasRun(runDir)) {
    const state = loadCheckpoint<TrainState>(runDir, "last");
    disposeAutoencoder(state.autoencoder);
    if (o.train || (state.state && state.state.iteration < state.state.options.iterations)) {
      trained = await train(o.dataset, runDir, state.state!.options, { resume: true, onProgress: o.onProgress });
    }
  } else {
    const options = resolveTrainOptions("tiny", { mode, iterations: o.iterations });
    trained = await train(o.dataset, runDir, options, { onProgress: o.onProgress });
  }
  const best = loadCheckpoint<TrainState>(runDir, "best-f1");
  const origin = checkpoint !== "" ? `run ${runDir} (best-f1)` : `tiny ${mode} preset trained on ${o.dataset.dir} (run ${runDir}, best-f1)`;
  return { autoencoder: best.autoencoder, origin, options: best.state?.options ?? null, trained };
}
