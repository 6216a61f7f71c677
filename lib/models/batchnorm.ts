import * as tf from "@tensorflow/tfjs";
import { ConfigError } from "../core";

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
}

/** Column sums of [n, C] as a [1, n] × [n, C] product: tfjs-wasm reduces non-innermost axes very slowly, its matmul is fast. */
function columnSums(t: tf.Tensor2D, ones: tf.Tensor2D): tf.Tensor1D {
  return tf.reshape(tf.matMul(ones, t), [t.shape[1]]);
}

function batchMoments(x: tf.Tensor2D, ones: tf.Tensor2D): { mean: tf.Tensor1D; centered: tf.Tensor2D; variance: tf.Tensor1D } {
  const n = x.shape[0];
  const mean = tf.div(columnSums(x, ones), n) as tf.Tensor1D;
  const centered = tf.sub(x, mean) as tf.Tensor2D;
  const variance = tf.div(columnSums(tf.square(centered), ones), n) as tf.Tensor1D;
  return { mean, centered, variance };
}

/**
 * Batch-norm forward pass in training mode over [n, C] with its gradient
 * written out (dβ = Σdy, dγ = Σdy·x̂, dx = γ/(σ·n)·(n·dy − dβ − x̂·dγ)), so
 * that no gradient needs a broadcast reduction.
 */
const normalizeInTraining = (epsilon: number) =>
  tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, gamma, beta, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    const n = x.shape[0]!;
    const ones = tf.ones([1, n]) as tf.Tensor2D;
    const { centered, variance } = batchMoments(x, ones);
    const invStd = tf.rsqrt(tf.add(variance, epsilon));
    const xHat = tf.mul(centered, invStd);
    save([gamma, xHat, invStd, ones]);
    return {
      value: tf.add(tf.mul(xHat, gamma), beta),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [g, xh, inv, o] = saved as [tf.Tensor1D, tf.Tensor2D, tf.Tensor1D, tf.Tensor2D];
        const d = dy as tf.Tensor2D;
        const dBeta = columnSums(d, o);
        const dGamma = columnSums(tf.mul(d, xh) as tf.Tensor2D, o);
        const k = tf.div(tf.mul(g, inv), n);
        const dx = tf.mul(k, tf.sub(tf.sub(tf.mul(d, n), dBeta), tf.mul(xh, dGamma)));
        return [dx, dGamma, dBeta];
      },
    };
  });

/**
 * Batch normalisation over the last axis of a channels-last tensor of any
 * rank, with PyTorch's semantics: training normalises with the batch's biased
 * variance and updates the running variance with the unbiased one; inference
 * uses the running statistics. tfjs' own BatchNormalization layer stops at
 * rank 4, and 3D convolutions need rank 5.
 *
 * Weights: gamma, beta (trainable), moving_mean, moving_variance.
 */
export class BatchNorm extends tf.layers.Layer {
  static readonly className = "WorkbenchBatchNorm";
  readonly epsilon: number;
  readonly momentum: number;
  private gamma!: tf.LayerVariable;
  private beta!: tf.LayerVariable;
  private movingMean!: tf.LayerVariable;
  private movingVariance!: tf.LayerVariable;

  constructor(args: BatchNormArgs = {}) {
    super({ name: args.name });
    this.epsilon = args.epsilon ?? 1e-5;
    this.momentum = args.momentum ?? 0.1;
    if (!(this.epsilon > 0)) throw new ConfigError(`BatchNorm ${this.name}: epsilon must be > 0; found ${this.epsilon}`);
    if (!(this.momentum >= 0 && this.momentum <= 1)) {
      throw new ConfigError(`BatchNorm ${this.name}: momentum must be in [0, 1]; found ${this.momentum}`);
    }
    this.supportsMasking = true;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const channels = shape[shape.length - 1];
    if (channels == null) throw new ConfigError(`BatchNorm ${this.name}: the channel axis (last) must have a known size; found shape [${shape.join(", ")}]`);
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
        const scale = tf.mul(this.gamma.read(), tf.rsqrt(tf.add(this.movingVariance.read(), this.epsilon)));
        const shift = tf.sub(this.beta.read(), tf.mul(this.movingMean.read(), scale));
        return tf.add(tf.mul(x, scale), shift);
      }
      const c = x.shape[x.rank - 1]!;
      const n = x.size / c;
      const flat = tf.reshape(x, [n, c]) as tf.Tensor2D;
      const y = normalizeInTraining(this.epsilon)(flat, this.gamma.read(), this.beta.read());
      // The running statistics take no gradient; computing them apart keeps the custom gradient simple.
      const { mean, variance } = batchMoments(flat, tf.ones([1, n]) as tf.Tensor2D);
      const m = this.momentum;
      const unbiased = n > 1 ? tf.mul(variance, n / (n - 1)) : variance;
      this.movingMean.write(tf.add(tf.mul(this.movingMean.read(), 1 - m), tf.mul(mean, m)));
      this.movingVariance.write(tf.add(tf.mul(this.movingVariance.read(), 1 - m), tf.mul(unbiased, m)));
      return tf.reshape(y, x.shape);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon, momentum: this.momentum };
  }
}
tf.serialization.registerClass(BatchNorm);
