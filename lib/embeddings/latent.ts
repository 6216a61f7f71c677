import * as tf from "@tensorflow/tfjs";
import { ConfigError } from "../core";

/**
 * The embedding of each volume in a batch: the encoder's latent [B, 8, 8, 8, C]
 * reduced by the maximum over channels to 8³ = 512 numbers, flattened x-major
 * ([x][y][z]) like PyTorch's [C, 8, 8, 8] → max(dim=0) → flatten of the
 * original scripts. Input [B, g, g, g, 1] occupancy.
 */
export function latentEmbeddings(encoder: tf.LayersModel, volumes: tf.Tensor5D): Float32Array {
  return tf.tidy(() => {
    const z = encoder.predict(volumes) as tf.Tensor;
    if (z.rank !== 5) throw new ConfigError(`latent embeddings: the encoder gave a rank-${z.rank} tensor [${z.shape.join(", ")}], expected [B, 8, 8, 8, C]`);
    const b = z.shape[0]!;
    return tf.max(z, 4).reshape([b, -1]).dataSync() as Float32Array;
  });
}
