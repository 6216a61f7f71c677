import * as tf from "@tensorflow/tfjs";
import { ConfigError } from "../core";

/** Layers whose multiply-adds are counted: the convolutions and dense layers, nearly all of a network's arithmetic. */
const COUNTED = ["Conv3D", "Conv3DTranspose", "Dense"];

/**
 * Floating-point operations of one forward pass of `model` over `batch`
 * inputs, counted from its layer shapes as 2 per multiply-add (2·MACs) of
 * the convolutions and dense layers: a convolution does k³·Cin·Cout MACs per
 * output voxel, a transposed one the same per input voxel, a dense layer
 * Cin·Cout. Batch-norm, ReLU, adds and pooling (a few operations per voxel,
 * well under 1 % of the autoencoder's) are left out, so a GFLOP/s from this
 * count is the rate of the arithmetic that matters.
 */
export function forwardFlops(model: tf.LayersModel, batch = 1): number {
  let macs = 0;
  // The model's own nodes: a layer shared with another model (the decoder's) has one node per model.
  for (const node of Object.values(model.nodesByDepth).flat()) {
    const layer = node.outboundLayer;
    if (!COUNTED.includes(layer.getClassName())) continue;
    const kernel = layer.weights.find((w) => w.name.endsWith("kernel"));
    if (!kernel) throw new ConfigError(`forwardFlops: layer ${layer.name} (${layer.getClassName()}) of ${model.name} has no kernel weight`);
    const shapes = layer.getClassName() === "Conv3DTranspose" ? node.inputShapes : node.outputShapes;
    // A node of one input or output holds its shape, of several a list of them.
    const shape = (Array.isArray(shapes[0]) ? shapes[0] : shapes) as tf.Shape;
    const cells = shape.slice(1, -1);
    if (cells.some((d) => d === null))
      throw new ConfigError(`forwardFlops: layer ${layer.name} of ${model.name} has an unknown extent [${shape.join(", ")}]`);
    // A weight's shape is always known.
    macs += (cells as number[]).reduce((a, b) => a * b, 1) * (kernel.shape as number[]).reduce((a, b) => a * b, 1);
  }
  return 2 * macs * batch;
}
