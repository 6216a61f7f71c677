import * as tf from "@tensorflow/tfjs";
import { SeedSequence, torchBiasInitializer, torchKernelInitializer } from "./initializers";
import { torchBatchNormReLU } from "./residual";

/** Side of the EM crops the VGG3D takes. */
export const VGG3D_INPUT = 80;
/** Convs per block and channels per block (docs/synapses.md, "VGG3D features"). */
const BLOCKS: ReadonlyArray<{ convs: number; channels: number }> = [
  { convs: 4, channels: 24 },
  { convs: 2, channels: 48 },
  { convs: 2, channels: 96 },
  { convs: 2, channels: 192 },
];
/** Output classes of the (unused) classifier head of the pretrained network. */
const VGG3D_CLASSES = 7;

export interface Vgg3dOptions {
  /**
   * Also build the classifier head (192·5³ → 4096 → 4096 → 7). Features never
   * use it, but a pretrained state dict holds its 115 M weights (460 MB), so
   * it is needed to load such a file strictly. Default true.
   */
  classifier?: boolean;
  /** Seed of the weight initialisation. Default 1996. */
  seed?: number;
}

export interface Vgg3d {
  /** [B, 80, 80, 80, 1] → [B, 5, 5, 5, 192]. */
  features: tf.LayersModel;
  /**
   * [B, 5, 5, 5, 192] → [B, 7] logits. It permutes to channels-first before
   * flattening, so `classifier.0.weight` keeps PyTorch's column order and only
   * needs a transpose.
   */
  classifier: tf.LayersModel | null;
}

/**
 * The VGG3D feature extractor of docs/synapses.md. Layer names are the indices
 * of the PyTorch `features` and `classifier` Sequentials (`features.0` conv,
 * `features.1` batch-norm, `features.2` ReLU, …, `features.12` the first
 * max-pool; `classifier.0/3/6` the linear layers), so a state dict maps one to one.
 */
export function createVgg3d(options: Vgg3dOptions = {}): Vgg3d {
  const seeds = new SeedSequence(options.seed ?? 1996);
  const input = tf.input({ shape: [VGG3D_INPUT, VGG3D_INPUT, VGG3D_INPUT, 1], name: "crop" });
  let x: tf.SymbolicTensor = input;
  let index = 0;
  let inChannels = 1;
  for (const block of BLOCKS) {
    for (let c = 0; c < block.convs; c++) {
      x = tf.layers
        .conv3d({
          name: `features.${index}`,
          filters: block.channels,
          kernelSize: 3,
          padding: "same",
          useBias: true,
          kernelInitializer: torchKernelInitializer(seeds.next()),
          biasInitializer: torchBiasInitializer(inChannels * 27, seeds.next()),
        })
        .apply(x) as tf.SymbolicTensor;
      // features.{index + 2} is the ReLU, fused into the batch-norm layer.
      x = torchBatchNormReLU(`features.${index + 1}`).apply(x) as tf.SymbolicTensor;
      index += 3;
      inChannels = block.channels;
    }
    x = tf.layers.maxPooling3d({ name: `features.${index}`, poolSize: 2, strides: 2 }).apply(x) as tf.SymbolicTensor;
    index += 1;
  }
  const features = tf.model({ inputs: input, outputs: x, name: "vgg3d_features" });
  return { features, classifier: options.classifier === false ? null : buildClassifier(inChannels, seeds) };
}

function buildClassifier(channels: number, seeds: SeedSequence): tf.LayersModel {
  const side = VGG3D_INPUT / 16;
  const input = tf.input({ shape: [side, side, side, channels], name: "feature_map" });
  let x = tf.layers.permute({ name: "to_channels_first", dims: [4, 1, 2, 3] }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.flatten({ name: "flatten" }).apply(x) as tf.SymbolicTensor;
  const dense = (name: string, inUnits: number, units: number) =>
    tf.layers.dense({
      name,
      units,
      kernelInitializer: torchKernelInitializer(seeds.next()),
      biasInitializer: torchBiasInitializer(inUnits, seeds.next()),
    });
  const flat = channels * side ** 3;
  x = dense("classifier.0", flat, 4096).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU({ name: "classifier.1" }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dropout({ name: "classifier.2", rate: 0.5 }).apply(x) as tf.SymbolicTensor;
  x = dense("classifier.3", 4096, 4096).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU({ name: "classifier.4" }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dropout({ name: "classifier.5", rate: 0.5 }).apply(x) as tf.SymbolicTensor;
  x = dense("classifier.6", 4096, VGG3D_CLASSES).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: x, name: "vgg3d_classifier" });
}

/** The 192 feature values per crop: global average pool of the last feature map. */
export function vgg3dFeatures(net: Vgg3d, x: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => tf.mean<tf.Tensor2D>(net.features.predict(x) as tf.Tensor, [1, 2, 3]));
}
