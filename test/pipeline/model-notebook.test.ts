import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initEngine } from "../../lib/engine";
import { createAutoencoder } from "../../lib/models";
import { partialReconstruction, partialReconstructionFigure } from "../../lib/pipeline";
import { predictProbabilities } from "../../lib/train";
import { random } from "../../lib/core";

test("nLat partial reconstruction places each decoded cell's patch where the full decoding has it", async () => {
  await initEngine({ quiet: true });
  const ae = createAutoencoder({ grid: 16, baseChannels: 2, seed: 3 });
  const g = 16;
  const rng = random(7);
  const grid = Uint8Array.from({ length: g ** 3 }, () => (rng.next() < 0.05 ? 1 : 0));
  const before = tf.memory().numTensors;
  const part = partialReconstruction(ae, grid, { cells: 6, seed: 11 });
  assert.equal(tf.memory().numTensors, before, "no tensors leak");
  assert.equal(part.cells.length, 6);
  assert.equal(new Set(part.cells).size, 6);
  const full = predictProbabilities(ae, grid);
  let inside = 0;
  for (let i = 0; i < full.length; i++) {
    if (part.probabilities[i] === -1) continue;
    inside++;
    assert.ok(Math.abs(part.probabilities[i]! - full[i]!) < 1e-5, `voxel ${i}: ${part.probabilities[i]} vs ${full[i]}`);
  }
  assert.equal(inside, 6 * part.patchSize ** 3, "exactly the decoded patches are filled");
  const fig = partialReconstructionFigure(grid, part, g, 0.5);
  assert.match(String(fig.layout.title), /^nLat: 6 of 512 latent cells decoded/);
  assert.equal(fig.data.length, 2 + 6, "one box per decoded cell");
  ae.model.dispose();
});
