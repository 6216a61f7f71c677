import * as tf from "@tensorflow/tfjs";
import { BatchNorm } from "./batchnorm";
import { SeedSequence, torchKernelInitializer } from "./initializers";

/**
 * PyTorch's BatchNorm3d defaults (eps 1e-5, running-average factor 0.1),
 * followed by ReLU: every batch-norm of the two networks is, and the fused
 * layer stands for both PyTorch modules (the ReLU has no weights).
 */
export function torchBatchNormReLU(name: string): tf.layers.Layer {
  return new BatchNorm({ name, epsilon: 1e-5, momentum: 0.1, relu: true });
}

/** A stack of layers applied as one function; calling it twice shares the weights. */
export type LayerFn = (x: tf.SymbolicTensor) => tf.SymbolicTensor;

/**
 * The residual block (docs/models.md, "The network") as functional layers. Main path: conv k³ (no
 * bias) → batch-norm → ReLU → conv k³ (no bias) → batch-norm → ReLU (each
 * batch-norm and its ReLU one fused layer); skip:
 * identity when in == out, otherwise a 1³ conv without bias; output = main +
 * skip. Layer names are the PyTorch module paths under `prefix`
 * (`<prefix>.double_conv.{0,1,3,4}`, `<prefix>.i_branch`), so state-dict keys map
 * one to one: `<layer name>.weight` ↔ kernel/gamma, `.bias` ↔ bias/beta,
 * `.running_mean` ↔ moving_mean, `.running_var` ↔ moving_variance.
 *
 * Returns a function rather than a tensor so the decoder's layers can be
 * applied both inside the whole autoencoder and to a free-standing latent.
 */
export function residualBlock(prefix: string, inChannels: number, outChannels: number, kernelSize: number, seeds: SeedSequence): LayerFn {
  const conv = (name: string, k: number) =>
    tf.layers.conv3d({
      name,
      filters: outChannels,
      kernelSize: k,
      padding: "same",
      useBias: false,
      kernelInitializer: torchKernelInitializer(seeds.next()),
    });
  const main: tf.layers.Layer[] = [
    conv(`${prefix}.double_conv.0`, kernelSize),
    torchBatchNormReLU(`${prefix}.double_conv.1`),
    conv(`${prefix}.double_conv.3`, kernelSize),
    torchBatchNormReLU(`${prefix}.double_conv.4`),
  ];
  const skip = inChannels === outChannels ? null : conv(`${prefix}.i_branch`, 1);
  const add = tf.layers.add({ name: `${prefix}.add` });
  return (x) => {
    const y = main.reduce((t, layer) => layer.apply(t) as tf.SymbolicTensor, x);
    const s = skip ? (skip.apply(x) as tf.SymbolicTensor) : x;
    return add.apply([y, s]) as tf.SymbolicTensor;
  };
}
