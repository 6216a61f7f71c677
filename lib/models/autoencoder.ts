import * as tf from "@tensorflow/tfjs";
import { ConfigError } from "../core";
import { SeedSequence, torchBiasInitializer, torchKernelInitializer } from "./initializers";
import { LayerFn, residualBlock } from "./residual";

/** The side of the latent grid: always 8, whatever the input grid. */
export const LATENT_GRID = 8;

export interface AutoencoderOptions {
  /** Side of the cubic input grid: 8·2^k (64 and 128 for the thesis models). */
  grid: number;
  /** Channels of the first block; each encoder block doubles them. Default 32. */
  baseChannels?: number;
  /** Seed of the weight initialisation. Default 1996. */
  seed?: number;
}

export interface Autoencoder {
  /** [B, g, g, g, 1] occupancy → [B, g, g, g, 1] logits. */
  model: tf.LayersModel;
  /** [B, g, g, g, 1] → latent [B, 8, 8, 8, channels.at(-1)]. Shares layers with `model`. */
  encoder: tf.LayersModel;
  /**
   * Latent [B, h, w, d, channels.at(-1)] of any extent → logits
   * [B, h·p, w·p, d·p, 1]. Only 1³ convs and 2/2 transposed convs, so each
   * latent cell decodes into its own p³ patch (p = patchSize).
   */
  decoder: tf.LayersModel;
  grid: number;
  /** log2(grid / 8): 3 at 64, 4 at 128. */
  numBlocks: number;
  /** Channels per level, e.g. [32, 64, 128, 256] at grid 64. */
  channels: number[];
  /** Side of the output patch one latent cell decodes into: 2^numBlocks. */
  patchSize: number;
}

/** log2(grid / 8), or a ConfigError naming the grids that work. */
function numBlocksFor(grid: number): number {
  const k = Math.log2(grid / LATENT_GRID);
  if (!Number.isInteger(k) || k < 1) {
    throw new ConfigError(`autoencoder grid: expected 8·2^k with k >= 1 (16, 32, 64, 128, …); found ${grid}`);
  }
  return k;
}

/**
 * The VoxelMorph autoencoder of docs/models.md (same network for Dense and nLat).
 * Layer names are the original PyTorch module paths (`incoming.block…`,
 * `encoders.N.maxpool_conv.1.block…`, `decoders.N.up`, `decoders.N.conv.block…`,
 * `outconv.conv`; decoders.0 is the deepest), so a state dict maps one to one.
 */
export function createAutoencoder(options: AutoencoderOptions): Autoencoder {
  const grid = options.grid;
  const base = options.baseChannels ?? 32;
  if (!Number.isInteger(base) || base < 1) {
    throw new ConfigError(`autoencoder baseChannels: expected a positive integer; found ${base}`);
  }
  const numBlocks = numBlocksFor(grid);
  const channels = Array.from({ length: numBlocks + 1 }, (_, i) => base * 2 ** i);
  const seeds = new SeedSequence(options.seed ?? 1996);

  const input = tf.input({ shape: [grid, grid, grid, 1], name: "occupancy" });
  let x = residualBlock("incoming.block", 1, channels[0]!, 3, seeds)(input);
  for (let i = 0; i < numBlocks; i++) {
    x = tf.layers.maxPooling3d({ name: `encoders.${i}.maxpool_conv.0`, poolSize: 2, strides: 2 }).apply(x) as tf.SymbolicTensor;
    x = residualBlock(`encoders.${i}.maxpool_conv.1.block`, channels[i]!, channels[i + 1]!, 3, seeds)(x);
  }
  const latent = x;

  const decoderStages: LayerFn[] = [];
  for (let j = 0; j < numBlocks; j++) {
    const c = channels[numBlocks - j]!;
    const up = tf.layers.conv3dTranspose({
      name: `decoders.${j}.up`,
      filters: c,
      kernelSize: 2,
      strides: 2,
      padding: "valid",
      useBias: true,
      kernelInitializer: torchKernelInitializer(seeds.next()),
      biasInitializer: torchBiasInitializer(c * 8, seeds.next()),
    });
    const block = residualBlock(`decoders.${j}.conv.block`, c, channels[numBlocks - j - 1]!, 1, seeds);
    decoderStages.push((t) => block(up.apply(t) as tf.SymbolicTensor));
  }
  const outconv = tf.layers.conv3d({
    name: "outconv.conv",
    filters: 1,
    kernelSize: 1,
    useBias: true,
    kernelInitializer: torchKernelInitializer(seeds.next()),
    biasInitializer: torchBiasInitializer(channels[0]!, seeds.next()),
  });
  const decode = (t: tf.SymbolicTensor) => outconv.apply(decoderStages.reduce((acc, stage) => stage(acc), t)) as tf.SymbolicTensor;

  const model = tf.model({ inputs: input, outputs: decode(latent), name: "autoencoder" });
  const encoder = tf.model({ inputs: input, outputs: latent, name: "encoder" });
  const latentInput = tf.input({ shape: [null, null, null, channels[numBlocks]!], name: "latent" });
  const decoder = tf.model({ inputs: latentInput, outputs: decode(latentInput), name: "decoder" });
  return { model, encoder, decoder, grid, numBlocks, channels, patchSize: 2 ** numBlocks };
}

/**
 * Parameters counted the way PyTorch does: trainable weights and biases and
 * batch-norm gamma/beta, not the running statistics.
 */
export function countParameters(model: tf.LayersModel): number {
  let n = 0;
  for (const w of model.trainableWeights) n += w.shape.reduce((a: number, b) => a * (b ?? 1), 1);
  return n;
}

/**
 * Frees an autoencoder's weights. The decoder's layers belong to both `model`
 * and `decoder`, so disposing `model` alone would leave the decoder's weights.
 */
export function disposeAutoencoder(ae: Autoencoder): void {
  ae.model.dispose();
  ae.decoder.dispose();
}
