import * as tf from "@tensorflow/tfjs";
import { DEFAULT_POOLING, type Pooling, poolLatent } from "./pooling";

/**
 * The embedding of each volume in a batch: the encoder's latent [B, 8, 8, 8, C]
 * pooled (see POOLINGS). The default, the maximum over channels flattened
 * x-major ([x][y][z]), is PyTorch's [C, 8, 8, 8] → max(dim=0) → flatten of
 * the original scripts. Input [B, g, g, g, 1] occupancy.
 */
export function latentEmbeddings(encoder: tf.LayersModel, volumes: tf.Tensor5D, pooling: Pooling = DEFAULT_POOLING): Float32Array {
  return tf.tidy(() => poolLatent(encoder.predict(volumes) as tf.Tensor, pooling).dataSync() as Float32Array);
}
