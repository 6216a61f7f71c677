import * as tf from "@tensorflow/tfjs";

export interface FocalLossOptions {
  /** Weight of the positive class; 1 − α weights the negatives. */
  alpha: number;
  /** Focusing exponent: how much easy voxels are down-weighted. */
  gamma: number;
}

/**
 * Sigmoid focal loss (docs/models.md, "Loss"), mean over all voxels:
 * `ce · (1 − p_t)^γ · (α·t + (1 − α)(1 − t))` with `p = sigmoid(x)`,
 * `ce` = BCE with logits and `p_t = p·t + (1 − p)(1 − t)`.
 */
export function sigmoidFocalLoss(logits: tf.Tensor, targets: tf.Tensor, options: FocalLossOptions): tf.Scalar {
  return tf.tidy(() => {
    const t = tf.cast(targets, "float32");
    const p = tf.sigmoid(logits);
    // Stable BCE with logits: max(x, 0) − x·t + log(1 + exp(−|x|)).
    const ce = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, t)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
    const pt = tf.add(tf.mul(p, t), tf.mul(tf.sub(1, p), tf.sub(1, t)));
    const modulation = options.gamma === 0 ? tf.onesLike(pt) : tf.pow(tf.sub(1, pt), options.gamma);
    const weight = tf.add(tf.mul(t, options.alpha), tf.mul(tf.sub(1, t), 1 - options.alpha));
    return tf.mean<tf.Scalar>(tf.mul(tf.mul(ce, modulation), weight));
  });
}
