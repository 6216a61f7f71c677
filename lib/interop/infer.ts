import * as fs from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { checkChoice, ConfigError } from "../core";
import { disposeAutoencoder, VGG3D_INPUT, vgg3dFeatures, type Autoencoder, type Vgg3d } from "../models";
import { loadCheckpoint } from "../train";
import { autoencoderFromCheckpoint, vgg3dFromCheckpoint } from "./checkpoints";

/**
 * Inference with a thesis model from a PyTorch checkpoint (.pth) or a
 * workbench run: the logic behind `npm run infer`, usable from notebooks.
 */

export const INFER_MODELS = ["dense64", "nlat64", "dense128", "nlat128", "vgg3d"] as const;
export type InferModel = (typeof INFER_MODELS)[number];

/** Grid of each autoencoder model name (Dense and nLat share the network). */
const GRIDS: Record<Exclude<InferModel, "vgg3d">, number> = { dense64: 64, nlat64: 64, dense128: 128, nlat128: 128 };

export type InferenceNetwork = { kind: "autoencoder"; autoencoder: Autoencoder } | { kind: "vgg3d"; vgg: Vgg3d };

/** A dense array: row-major values and their shape. */
export interface InferArray {
  shape: number[];
  data: ArrayLike<number>;
}

/**
 * Loads `model` from `checkpoint`: a .pth/.pt file (PyTorch state dict, or a
 * checkpoint holding one) or, for the autoencoders, a workbench run or
 * checkpoint directory (MODELS+TRAIN format).
 */
export function loadInferenceNetwork(checkpoint: string, model: string): InferenceNetwork {
  const name = checkChoice("infer --model", model, INFER_MODELS);
  if (!fs.existsSync(checkpoint)) throw new ConfigError(`infer --checkpoint: ${checkpoint} does not exist`);
  const isDir = fs.statSync(checkpoint).isDirectory();
  if (name === "vgg3d") {
    if (isDir) throw new ConfigError(`infer --checkpoint: the VGG3D loads from a PyTorch .pth file; ${checkpoint} is a directory`);
    return { kind: "vgg3d", vgg: vgg3dFromCheckpoint(checkpoint) };
  }
  const grid = GRIDS[name];
  if (!isDir) return { kind: "autoencoder", autoencoder: autoencoderFromCheckpoint(checkpoint, grid) };
  const { autoencoder } = loadCheckpoint(checkpoint);
  if (autoencoder.grid !== grid) {
    disposeInferenceNetwork({ kind: "autoencoder", autoencoder });
    throw new ConfigError(`infer: --model ${name} needs grid ${grid}; the checkpoint in ${checkpoint} is for grid ${autoencoder.grid}`);
  }
  return { kind: "autoencoder", autoencoder };
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
  if (!ok) throw new ConfigError(`${what}: expected an array of shape [${side}, ${side}, ${side}] or [N, ${side}, ${side}, ${side}]; found [${s.join(", ")}]`);
  return s.length === 4 ? s[0] : 1;
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
    const volume = Float32Array.from({ length: voxels }, (_, j) => input.data[i * voxels + j]);
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
