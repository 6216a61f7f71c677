import * as fs from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { checkChoice, ConfigError } from "../core";
import { disposeAutoencoder, VGG3D_INPUT, vgg3dFeatures, type Autoencoder, type Vgg3d } from "../models";
import { loadCheckpoint, type TrainingMode, type TrainState } from "../train";
import { autoencoderFromCheckpoint, vgg3dFromCheckpoint } from "./checkpoints";

/**
 * Inference with a thesis model from a PyTorch checkpoint (.pth) or a
 * workbench run: the logic behind `npm run infer`, usable from notebooks.
 */

/**
 * The models a checkpoint can hold: the autoencoders by training mode and
 * grid (the thesis' four, and grid 32 as the tiny preset trains), and the
 * VGG3D of the synapse pipeline.
 */
export const AUTOENCODER_MODELS = ["dense32", "nlat32", "dense64", "nlat64", "dense128", "nlat128"] as const;
export type AutoencoderModel = (typeof AUTOENCODER_MODELS)[number];
export const INFER_MODELS = [...AUTOENCODER_MODELS, "vgg3d"] as const;
export type InferModel = (typeof INFER_MODELS)[number];

export interface AutoencoderNetwork {
  kind: "autoencoder";
  autoencoder: Autoencoder;
  /** The training mode, when the checkpoint says it (a workbench run does) or the model named it. */
  mode: TrainingMode | null;
  /** In words for messages, e.g. "autoencoder (dense, grid 32, 8 base channels)". */
  description: string;
}

export type InferenceNetwork = AutoencoderNetwork | { kind: "vgg3d"; vgg: Vgg3d; description: string };

/** A dense array: row-major values and their shape. */
export interface InferArray {
  shape: number[];
  data: ArrayLike<number>;
}

function architecture(model: AutoencoderModel): { mode: TrainingMode; grid: number } {
  const [, mode, grid] = /^(dense|nlat)(\d+)$/.exec(model)!;
  return { mode: mode as TrainingMode, grid: Number(grid) };
}

function autoencoderNetwork(autoencoder: Autoencoder, mode: TrainingMode | null): AutoencoderNetwork {
  const description = `autoencoder (${mode === null ? "" : `${mode}, `}grid ${autoencoder.grid}, ${autoencoder.channels[0]} base channels)`;
  return { kind: "autoencoder", autoencoder, mode, description };
}

/**
 * Loads a network from `checkpoint`: a workbench run or checkpoint
 * directory, which says what it holds (grid and base channels in its
 * model.json, the training mode in its training state), or a PyTorch
 * .pth/.pt file (a state dict, or a checkpoint holding one), which does not:
 * then `model` names it. Given with a directory, `model` must agree with it.
 */
export function loadInferenceNetwork(checkpoint: string, model?: AutoencoderModel): AutoencoderNetwork;
export function loadInferenceNetwork(checkpoint: string, model?: string): InferenceNetwork;
export function loadInferenceNetwork(checkpoint: string, model?: string): InferenceNetwork {
  const name = model === undefined ? undefined : checkChoice("model", model, INFER_MODELS);
  if (!fs.existsSync(checkpoint)) throw new ConfigError(`checkpoint ${checkpoint} does not exist`);
  if (fs.statSync(checkpoint).isDirectory()) {
    if (name === "vgg3d")
      throw new ConfigError(
        `the VGG3D loads from a PyTorch .pth file; ${checkpoint} is a directory (a workbench autoencoder run or checkpoint)`,
      );
    const { autoencoder, state } = loadCheckpoint<TrainState>(checkpoint);
    const held = autoencoderNetwork(autoencoder, state?.options.mode ?? null);
    if (name === undefined) return held;
    const want = architecture(name);
    if (want.grid !== autoencoder.grid || (held.mode !== null && held.mode !== want.mode)) {
      disposeInferenceNetwork(held);
      throw new ConfigError(
        `model ${name} is a ${want.mode} autoencoder of grid ${want.grid}, but ${checkpoint} holds an ${held.description}; leave the model out, the directory says what it holds`,
      );
    }
    return autoencoderNetwork(autoencoder, want.mode);
  }
  if (name === undefined) {
    throw new ConfigError(
      `${checkpoint} is a PyTorch file, which does not say which model it holds: name it with --model (${INFER_MODELS.join(", ")}); a workbench run directory needs no --model`,
    );
  }
  if (name === "vgg3d") return { kind: "vgg3d", vgg: vgg3dFromCheckpoint(checkpoint), description: "VGG3D" };
  const { mode, grid } = architecture(name);
  return autoencoderNetwork(autoencoderFromCheckpoint(checkpoint, grid), mode);
}

export function disposeInferenceNetwork(net: InferenceNetwork): void {
  if (net.kind === "vgg3d") {
    net.vgg.features.dispose();
    net.vgg.classifier?.dispose();
  } else {
    disposeAutoencoder(net.autoencoder);
  }
}

function volumes(input: InferArray, side: number, what: string): number {
  const s = input.shape;
  const ok = (s.length === 3 || s.length === 4) && s.slice(-3).every((d) => d === side);
  if (!ok)
    throw new ConfigError(
      `${what}: expected an array of shape [${side}, ${side}, ${side}] or [N, ${side}, ${side}, ${side}]; found [${s.join(", ")}]`,
    );
  const n = s.length === 4 ? s[0]! : 1;
  if (input.data.length !== n * side ** 3)
    throw new ConfigError(`${what}: the shape [${s.join(", ")}] holds ${n * side ** 3} values, but the data has ${input.data.length}`);
  return n;
}

/**
 * Runs the network on one volume [g, g, g] or a batch [N, g, g, g], indexed
 * [x, y, z] like the workbench's grids. Autoencoder → logits of the same
 * shape; VGG3D (intensities in [0, 1]) → pooled features [192] or [N, 192].
 * Volumes go through one at a time to bound memory.
 */
export function runInference(net: InferenceNetwork, input: InferArray): { shape: number[]; data: Float32Array } {
  const side = net.kind === "vgg3d" ? VGG3D_INPUT : net.autoencoder.grid;
  const n = volumes(input, side, net.kind === "vgg3d" ? "vgg3d input" : `autoencoder (grid ${side}) input`);
  const voxels = side ** 3;
  const width = net.kind === "vgg3d" ? 192 : voxels;
  const out = new Float32Array(n * width);
  for (let i = 0; i < n; i++) {
    const volume = Float32Array.from({ length: voxels }, (_, j) => input.data[i * voxels + j]!);
    const result = tf.tidy(() => {
      const x = tf.tensor5d(volume, [1, side, side, side, 1]);
      const y = net.kind === "vgg3d" ? vgg3dFeatures(net.vgg, x) : (net.autoencoder.model.predict(x) as tf.Tensor);
      return y.dataSync() as Float32Array;
    });
    out.set(result, i * width);
  }
  const shape = net.kind === "vgg3d" ? (input.shape.length === 4 ? [n, 192] : [192]) : [...input.shape];
  return { shape, data: out };
}
