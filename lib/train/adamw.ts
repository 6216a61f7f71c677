import * as tf from "@tensorflow/tfjs";
import { ConfigError } from "../core";

export interface AdamWOptions {
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.999. */
  beta2?: number;
  /** Default 1e-8. */
  epsilon?: number;
  /** Decoupled weight decay. Default 0.01, as the original runs (docs/models.md, "Optimiser and schedule"). */
  weightDecay?: number;
}

/** What a checkpoint keeps of the optimiser: the step count and both moments per variable. */
export interface AdamWState {
  step: number;
  /** Variable names in the order of `moments`. */
  names: string[];
  /** First and second moments per variable, flattened. */
  moments: Array<{ m: Float32Array; v: Float32Array }>;
}

/**
 * Adam with decoupled weight decay (Loshchilov & Hutter), step for step as
 * torch.optim.AdamW: `p ← p·(1 − lr·wd)`, then the Adam update with bias
 * corrections, `p ← p − (lr / (1 − β1^t)) · m / (sqrt(v) / sqrt(1 − β2^t) + ε)`.
 * tfjs has no AdamW, and its Adam folds ε in differently, so this is written
 * out. The learning rate is passed per step, so any schedule can drive it.
 */
export class AdamW {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  private stepCount = 0;
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];

  constructor(
    private readonly variables: tf.Variable[],
    options: AdamWOptions = {},
  ) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0.01;
    for (const [what, b] of [
      ["beta1", this.beta1],
      ["beta2", this.beta2],
    ] as const) {
      if (!(b >= 0 && b < 1)) throw new ConfigError(`AdamW ${what}: expected a number in [0, 1); found ${b}`);
    }
    if (!(this.weightDecay >= 0)) throw new ConfigError(`AdamW weightDecay: expected >= 0; found ${this.weightDecay}`);
    this.m = tf.tidy(() => variables.map((x) => tf.variable(tf.zerosLike(x), false)));
    this.v = tf.tidy(() => variables.map((x) => tf.variable(tf.zerosLike(x), false)));
  }

  /** Optimiser steps taken so far. */
  get iterations(): number {
    return this.stepCount;
  }

  /** One update; `grads` maps variable names (as from tf.variableGrads) to gradients. */
  step(grads: tf.NamedTensorMap, lr: number): void {
    this.stepCount += 1;
    const t = this.stepCount;
    const bc1 = 1 - this.beta1 ** t;
    const bc2Sqrt = Math.sqrt(1 - this.beta2 ** t);
    tf.tidy(() => {
      this.variables.forEach((p, i) => {
        const g = grads[p.name];
        if (!g) throw new ConfigError(`AdamW: no gradient for variable ${p.name}`);
        const m = tf.add(tf.mul(this.m[i]!, this.beta1), tf.mul(g, 1 - this.beta1));
        const v = tf.add(tf.mul(this.v[i]!, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        this.m[i]!.assign(m);
        this.v[i]!.assign(v);
        const decayed = tf.mul(p, 1 - lr * this.weightDecay);
        const denom = tf.add(tf.div(tf.sqrt(v), bc2Sqrt), this.epsilon);
        p.assign(tf.sub(decayed, tf.mul(tf.div(m, denom), lr / bc1)));
      });
    });
  }

  /** The step count and moments, for a checkpoint. */
  getState(): AdamWState {
    return {
      step: this.stepCount,
      names: this.variables.map((x) => x.name),
      moments: this.variables.map((_, i) => ({ m: this.m[i]!.dataSync() as Float32Array, v: this.v[i]!.dataSync() as Float32Array })),
    };
  }

  /** Continues from a saved state; the variables must be the same, in the same order. */
  setState(state: AdamWState): void {
    if (state.moments.length !== this.variables.length) {
      throw new ConfigError(`AdamW state: expected moments for ${this.variables.length} variables; found ${state.moments.length}`);
    }
    this.variables.forEach((p, i) => {
      const { m, v } = state.moments[i]!;
      if (m.length !== p.size || v.length !== p.size) {
        throw new ConfigError(
          `AdamW state: variable ${state.names[i] ?? i} has ${p.size} values; the saved moments have ${m.length}/${v.length}`,
        );
      }
      tf.tidy(() => {
        this.m[i]!.assign(tf.tensor(m, p.shape));
        this.v[i]!.assign(tf.tensor(v, p.shape));
      });
    });
    this.stepCount = state.step;
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
  }
}

/**
 * The variables behind a model's or a layer's trainable weights, what AdamW
 * and tf.variableGrads take: LayerVariable.read() types them as plain
 * tensors, so each is checked to be the tf.Variable it is.
 */
export function trainableVariables(of: { trainableWeights: tf.LayerVariable[] }): tf.Variable[] {
  const isVariable = (t: tf.Tensor): t is tf.Variable => t instanceof tf.Variable;
  return of.trainableWeights.map((w) => {
    const v = w.read();
    if (!isVariable(v)) throw new Error(`weight ${w.name}: expected a tf.Variable behind it, found a ${v.constructor.name}`);
    return v;
  });
}
