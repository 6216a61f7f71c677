import * as tf from "@tensorflow/tfjs";

/**
 * The variables behind a model's or a layer's trainable weights, for
 * AdamW and tf.variableGrads: LayerVariable.read() types them as plain
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
