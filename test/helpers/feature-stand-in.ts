import * as tf from "@tensorflow/tfjs";
import type { FeatureNetwork } from "../../lib/synapse";

/**
 * The real VGG3D needs seconds per 80³ crop on a CPU, so tests run the
 * synapse pipeline's bookkeeping with a small stand-in of the same input
 * and output shapes: 16³ average pooling then a seeded 1×1×1 convolution
 * to 192 channels.
 */
export function featureStandIn(): FeatureNetwork {
  const input = tf.input({ shape: [80, 80, 80, 1] });
  let x = tf.layers.averagePooling3d({ poolSize: 16, strides: 16 }).apply(input) as tf.SymbolicTensor;
  x = tf.layers
    .conv3d({ filters: 192, kernelSize: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 7 }), biasInitializer: "zeros" })
    .apply(x) as tf.SymbolicTensor;
  return { net: { features: tf.model({ inputs: input, outputs: x }), classifier: null }, weights: "test stand-in", pretrained: false };
}
