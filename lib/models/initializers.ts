import * as tf from "@tensorflow/tfjs";

// tfjs exports its Initializer class only as what the initializer functions return.
type Initializer = ReturnType<typeof tf.initializers.varianceScaling>;

/**
 * PyTorch's default initialisation for conv, transposed-conv and linear
 * layers: weights and biases uniform in ±1/sqrt(fan_in). Matching it keeps
 * training from scratch comparable with the original runs. For transposed
 * convs both frameworks take fan_in from the output channels, so one
 * variance-scaling rule covers all three layer kinds.
 */
export function torchKernelInitializer(seed: number): Initializer {
  return tf.initializers.varianceScaling({ scale: 1 / 3, mode: "fanIn", distribution: "uniform", seed });
}

/** The bias part of PyTorch's default: uniform in ±1/sqrt(fan_in) of its weight. */
export function torchBiasInitializer(fanIn: number, seed: number): Initializer {
  const bound = 1 / Math.sqrt(fanIn);
  return tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed });
}

/**
 * Hands out one seed per initialised tensor, so the same model seed gives the
 * same weights whatever else was created before in the session.
 */
export class SeedSequence {
  private n = 0;
  constructor(private readonly base: number) {}
  next(): number {
    this.n += 1;
    return (this.base * 1000003 + this.n * 7919) % 2147483647;
  }
}
