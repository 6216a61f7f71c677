import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { createAutoencoder, disposeAutoencoder, forwardFlops } from "../../lib/models";

test("forwardFlops counts 2 per multiply-add of every convolution from the layer shapes (AE-16, 2 base channels, by hand)", () => {
  const ae = createAutoencoder({ grid: 16, baseChannels: 2 });
  try {
    // 16³ = 4096 voxels, 8³ = 512; MACs = voxels · k³ · Cin · Cout.
    const encoder =
      4096 * 27 * 1 * 2 + // incoming conv 1 → 2
      4096 * 27 * 2 * 2 + // incoming conv 2 → 2
      4096 * 1 * 1 * 2 + // incoming skip 1³, 1 → 2
      512 * 27 * 2 * 4 + // encoders.0 conv 2 → 4 after the pool
      512 * 27 * 4 * 4 +
      512 * 1 * 2 * 4; // its skip
    const decoder =
      512 * 8 * 4 * 4 + // transposed 2³ conv 4 → 4, per input voxel
      4096 * (4 * 2 + 2 * 2 + 4 * 2) + // the 1³ block 4 → 2 and its skip
      4096 * 2 * 1; // outconv
    assert.equal(forwardFlops(ae.encoder), 2 * encoder);
    assert.equal(forwardFlops(ae.model, 3), 2 * 3 * (encoder + decoder));
    assert.throws(
      () => forwardFlops(ae.decoder),
      /forwardFlops: layer .* of .* has an unknown extent/,
      "the free-standing decoder takes latents of any extent",
    );
  } finally {
    disposeAutoencoder(ae);
  }
});

test("forwardFlops counts dense layers as Cin · Cout multiply-adds", () => {
  const input = tf.input({ shape: [10] });
  const model = tf.model({
    inputs: input,
    outputs: tf.layers.dense({ units: 3 }).apply(tf.layers.dense({ units: 5 }).apply(input)) as tf.SymbolicTensor,
  });
  assert.equal(forwardFlops(model, 2), 2 * 2 * (10 * 5 + 5 * 3));
  model.dispose();
});
