import * as tf from "@tensorflow/tfjs";
import { checkChoice, ConfigError } from "../core";

/**
 * How the encoder's latent [B, 8, 8, 8, C] becomes one vector per neuron:
 *   channel-max      max over the C channels of each of the 8³ cells → 512
 *                    values, flattened x-major (the thesis embedding);
 *   global-max       max of each channel over the 8³ cells → C values;
 *   global-mean      mean of each channel over the 8³ cells → C values;
 *   global-max+mean  both, the C maxima first → 2C values.
 * docs/embeddings-choices.md says what each keeps and loses.
 */
export const POOLINGS = ["channel-max", "global-max", "global-mean", "global-max+mean"] as const;
export type Pooling = (typeof POOLINGS)[number];

/** The thesis embedding: the default wherever a pooling can be chosen. */
export const DEFAULT_POOLING: Pooling = "channel-max";

/** Values per neuron that `pooling` gives for a latent of `channels` channels and side `cells`. */
export function pooledSize(pooling: Pooling, channels: number, cells = 8): number {
  switch (checkChoice("pooling", pooling, POOLINGS)) {
    case "channel-max":
      return cells ** 3;
    case "global-max":
    case "global-mean":
      return channels;
    case "global-max+mean":
      return 2 * channels;
  }
}

/** The pooled latent [B, pooledSize]; call inside tf.tidy (the result is a new tensor). */
export function poolLatent(z: tf.Tensor, pooling: Pooling): tf.Tensor2D {
  if (z.rank !== 5)
    throw new ConfigError(`latent embeddings: the encoder gave a rank-${z.rank} tensor [${z.shape.join(", ")}], expected [B, 8, 8, 8, C]`);
  const b = z.shape[0];
  switch (checkChoice("pooling", pooling, POOLINGS)) {
    case "channel-max":
      return tf.max(z, 4).reshape([b, -1]);
    case "global-max":
      return tf.max<tf.Tensor2D>(z, [1, 2, 3]);
    case "global-mean":
      return tf.mean<tf.Tensor2D>(z, [1, 2, 3]);
    case "global-max+mean":
      return tf.concat([tf.max<tf.Tensor2D>(z, [1, 2, 3]), tf.mean<tf.Tensor2D>(z, [1, 2, 3])], 1);
  }
}
