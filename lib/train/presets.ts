import { checkChoice, ConfigError, withDefaults } from "../core";

export const TRAINING_MODES = ["dense", "nlat"] as const;
/** Dense decodes the whole latent grid; nLat decodes K chosen cells per batch. */
export type TrainingMode = (typeof TRAINING_MODES)[number];

/** Every hyperparameter of a training run. All fields are set once resolved. */
export interface TrainOptions {
  /** "dense" or "nlat". */
  mode: TrainingMode;
  /** Input grid side (8·2^k). */
  grid: number;
  /** Channels of the first block (32 in the thesis models). */
  baseChannels: number;
  /** nLat: latent cells decoded per batch (K). */
  latentCells: number;
  /** Focal loss α (weight of occupied voxels). */
  alpha: number;
  /** Focal loss γ. */
  gamma: number;
  /** Peak learning rate of the one-cycle schedule. */
  maxLr: number;
  /** Fraction of iterations spent warming up. */
  pctStart: number;
  /** First lr = maxLr / divFactor. */
  divFactor: number;
  /** Last lr = (maxLr / divFactor) / finalDivFactor. */
  finalDivFactor: number;
  /** AdamW decoupled weight decay. */
  weightDecay: number;
  beta1: number;
  beta2: number;
  batchSize: number;
  /** Optimiser steps in all. */
  iterations: number;
  /** Seed of weights, data order and latent-cell choice. */
  seed: number;
  /** Save the "last" checkpoint every this many iterations (and at the end or on stop). */
  checkpointEvery: number;
  /** Batch size for validation (memory only; results do not depend on it beyond rounding). */
  validationBatchSize: number;
  /** Validate on at most this many validation neurons (0 = all). */
  validationLimit: number;
  /** Split names in the dataset manifest. */
  trainSplit: string;
  validationSplit: string;
}

/** One line per option, for the command line's --help and the notebooks' parameter tables. */
export const TRAIN_OPTION_DESCRIPTIONS: Readonly<Record<keyof TrainOptions, string>> = {
  mode: "dense (decode the whole latent grid) or nlat (decode K chosen latent cells)",
  grid: "input grid side (8·2^k)",
  baseChannels: "channels of the first block (32 in the thesis models)",
  latentCells: "nlat: latent cells decoded per batch (K)",
  alpha: "focal loss α, the weight of occupied voxels",
  gamma: "focal loss γ",
  maxLr: "peak learning rate of the one-cycle schedule",
  pctStart: "fraction of the iterations spent warming up",
  divFactor: "first learning rate = max-lr / div-factor",
  finalDivFactor: "last learning rate = first / final-div-factor",
  weightDecay: "AdamW decoupled weight decay",
  beta1: "AdamW β1",
  beta2: "AdamW β2",
  batchSize: "neurons per optimiser step",
  iterations: "optimiser steps in all",
  seed: "seed of the weights, the data order and the latent-cell choice",
  checkpointEvery: "write the 'last' checkpoint every this many iterations (and at the end or on stop)",
  validationBatchSize: "neurons per validation batch (memory only)",
  validationLimit: "validate on at most this many validation neurons (0 = all)",
  trainSplit: "manifest split to train on",
  validationSplit: "manifest split to validate on",
};

export const PRESET_NAMES = ["dense64", "nlat64", "dense128", "nlat128", "tiny"] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

const COMMON = {
  baseChannels: 32,
  latentCells: 10,
  pctStart: 0.05,
  divFactor: 25,
  finalDivFactor: 1e4,
  weightDecay: 0.01,
  beta1: 0.9,
  beta2: 0.999,
  seed: 1996,
  checkpointEvery: 500,
  validationLimit: 0,
  trainSplit: "train",
  validationSplit: "val",
};

const GRID64 = { grid: 64, alpha: 0.65, gamma: 1, maxLr: 3e-3, batchSize: 50, validationBatchSize: 50, iterations: 14_000 };
const GRID128 = { grid: 128, alpha: 0.75, gamma: 2.2, maxLr: 1e-3, batchSize: 10, validationBatchSize: 10, iterations: 50_000 };

/** The four thesis variants (docs/models.md, "Presets") and a small one for laptops and tests. */
export const PRESETS: Readonly<Record<PresetName, TrainOptions>> = {
  dense64: { ...COMMON, ...GRID64, mode: "dense" },
  nlat64: { ...COMMON, ...GRID64, mode: "nlat" },
  dense128: { ...COMMON, ...GRID128, mode: "dense" },
  nlat128: { ...COMMON, ...GRID128, mode: "nlat" },
  // Grid 32 with 8 base channels: 66,649 parameters, about 2 s per step on
  // two shared CPU cores (240 steps in 8.5 min on 96 synthetic neurons).
  tiny: {
    ...COMMON,
    grid: 32,
    baseChannels: 8,
    alpha: 0.65,
    gamma: 1,
    maxLr: 5e-3,
    batchSize: 8,
    validationBatchSize: 12,
    iterations: 240,
    checkpointEvery: 40,
    mode: "dense",
  },
};

/** The options that take whole numbers; the rest are real numbers or split names. */
export const INTEGER_TRAIN_OPTIONS: ReadonlyArray<keyof TrainOptions> = [
  "grid",
  "baseChannels",
  "latentCells",
  "batchSize",
  "iterations",
  "seed",
  "checkpointEvery",
  "validationBatchSize",
  "validationLimit",
];

/** A preset with overrides applied and every value checked. */
export function resolveTrainOptions(preset: string, overrides: Partial<TrainOptions> = {}): TrainOptions {
  const name = checkChoice("training preset", preset, PRESET_NAMES);
  const o: TrainOptions = withDefaults(PRESETS[name], overrides);
  checkTrainOptions(o);
  return o;
}

export function checkTrainOptions(o: TrainOptions): void {
  checkChoice("training mode", o.mode, TRAINING_MODES);
  for (const key of INTEGER_TRAIN_OPTIONS) {
    const v = o[key] as number;
    const min = key === "validationLimit" || key === "seed" ? 0 : 1;
    if (!Number.isInteger(v) || v < min) throw new ConfigError(`training option ${key}: expected an integer >= ${min}; found ${v}`);
  }
  if (o.iterations < 2) throw new ConfigError(`training option iterations: expected at least 2; found ${o.iterations}`);
  const positive: Array<keyof TrainOptions> = ["maxLr", "divFactor", "finalDivFactor"];
  for (const key of positive) {
    const v = o[key] as number;
    if (!(v > 0)) throw new ConfigError(`training option ${key}: expected a number > 0; found ${v}`);
  }
  if (!(o.alpha >= 0 && o.alpha <= 1)) throw new ConfigError(`training option alpha: expected a number in [0, 1]; found ${o.alpha}`);
  if (!(o.gamma >= 0)) throw new ConfigError(`training option gamma: expected a number >= 0; found ${o.gamma}`);
  if (!(o.pctStart > 0 && o.pctStart < 1))
    throw new ConfigError(`training option pctStart: expected a number in (0, 1); found ${o.pctStart}`);
  if (!(o.weightDecay >= 0)) throw new ConfigError(`training option weightDecay: expected a number >= 0; found ${o.weightDecay}`);
}
