import * as tf from "@tensorflow/tfjs";
import { ConfigError } from "../core";
import { batchNormTraining, channelAffine } from "../engine";

export interface BatchNormArgs {
  /** Layer name; the PyTorch module path for layers that load state dicts. */
  name?: string;
  /** Added to the variance before the square root. PyTorch's default 1e-5. */
  epsilon?: number;
  /**
   * Weight of the new batch statistic in the running averages, PyTorch's
   * convention (0.1; Keras would call it momentum 0.9).
   */
  momentum?: number;
  /** Apply ReLU to the output (one fused step; a layer's gradient then keeps only its input and output). Default false. */
  relu?: boolean;
}

/**
 * Batch normalisation over the last axis of a channels-last tensor of any
 * rank, with PyTorch's semantics: training normalises with the batch's biased
 * variance and updates the running variance with the unbiased one; inference
 * uses the running statistics. tfjs' own BatchNormalization layer stops at
 * rank 4, and 3D convolutions need rank 5.
 *
 * With `relu` the layer is batch-norm followed by ReLU, computed in one pass
 * (lib/engine/batchnorm), which is how the networks use it.
 *
 * Weights: gamma, beta (trainable), moving_mean, moving_variance.
 */
export class BatchNorm extends tf.layers.Layer {
  static readonly className = "WorkbenchBatchNorm";
  readonly epsilon: number;
  readonly momentum: number;
  readonly relu: boolean;
  private gamma!: tf.LayerVariable;
  private beta!: tf.LayerVariable;
  private movingMean!: tf.LayerVariable;
  private movingVariance!: tf.LayerVariable;

  constructor(args: BatchNormArgs = {}) {
    super({ name: args.name });
    this.epsilon = args.epsilon ?? 1e-5;
    this.momentum = args.momentum ?? 0.1;
    this.relu = args.relu ?? false;
    if (!(this.epsilon > 0)) throw new ConfigError(`BatchNorm ${this.name}: epsilon must be > 0; found ${this.epsilon}`);
    if (!(this.momentum >= 0 && this.momentum <= 1)) {
      throw new ConfigError(`BatchNorm ${this.name}: momentum must be in [0, 1]; found ${this.momentum}`);
    }
    this.supportsMasking = true;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const channels = shape[shape.length - 1];
    if (channels == null)
      throw new ConfigError(`BatchNorm ${this.name}: the channel axis (last) must have a known size; found shape [${shape.join(", ")}]`);
    this.gamma = this.addWeight("gamma", [channels], "float32", tf.initializers.ones());
    this.beta = this.addWeight("beta", [channels], "float32", tf.initializers.zeros());
    this.movingMean = this.addWeight("moving_mean", [channels], "float32", tf.initializers.zeros(), undefined, false);
    this.movingVariance = this.addWeight("moving_variance", [channels], "float32", tf.initializers.ones(), undefined, false);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    return tf.tidy(() => {
      if (!kwargs.training) {
        const scale = tf.mul<tf.Tensor1D>(this.gamma.read(), tf.rsqrt(tf.add(this.movingVariance.read(), this.epsilon)));
        const shift = tf.sub<tf.Tensor1D>(this.beta.read(), tf.mul(this.movingMean.read(), scale));
        return channelAffine(x, scale, shift, this.relu);
      }
      const n = x.size / x.shape[x.rank - 1]!;
      const m = this.momentum;
      return batchNormTraining(
        x,
        this.gamma.read() as tf.Tensor1D,
        this.beta.read() as tf.Tensor1D,
        this.epsilon,
        this.relu,
        (mean, variance) => {
          const unbiased = n > 1 ? tf.mul(variance, n / (n - 1)) : variance;
          this.movingMean.write(tf.add(tf.mul(this.movingMean.read(), 1 - m), tf.mul(mean, m)));
          this.movingVariance.write(tf.add(tf.mul(this.movingVariance.read(), 1 - m), tf.mul(unbiased, m)));
        },
      );
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon, momentum: this.momentum, relu: this.relu };
  }
}
tf.serialization.registerClass(BatchNorm);
