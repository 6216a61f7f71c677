import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { random } from "../../lib/core";
import { initEngine } from "../../lib/engine";
import { createAutoencoder } from "../../lib/models";
import { chooseLatentCells, gatherLatentCells, gatherPatches, LATENT_CELLS, occupiedCells } from "../../lib/train";

before(async () => {
  await initEngine({ quiet: true });
});

function mask(occupied: number[]): boolean[] {
  const m = new Array<boolean>(LATENT_CELLS).fill(false);
  for (const i of occupied) m[i] = true;
  return m;
}

test("K > 1: K//2 distinct occupied cells, then distinct other cells", () => {
  const occ = [3, 70, 100, 200, 300, 511];
  for (let seed = 0; seed < 20; seed++) {
    const cells = chooseLatentCells(mask(occ), 10, random(seed));
    assert.equal(cells.length, 10);
    assert.equal(new Set(cells).size, 10);
    assert.ok(
      cells.slice(0, 5).every((c) => occ.includes(c)),
      String(cells),
    );
  }
  // Fewer occupied cells than K//2: all of them, then random ones.
  const few = chooseLatentCells(mask([42]), 10, random(1));
  assert.equal(few[0], 42);
  assert.equal(new Set(few).size, 10);
  // K near the grid size: n_occ + min(K − n_occ, 512 − n_occ) = all 512.
  assert.equal(new Set(chooseLatentCells(mask(occ), 600, random(2))).size, 512);
});

test("K = 1: an occupied cell about half of the time, never when nothing is occupied", () => {
  const occ = [5];
  let hits = 0;
  const rng = random(7);
  for (let i = 0; i < 2000; i++) if (chooseLatentCells(mask(occ), 1, rng)[0] === 5) hits += 1;
  // P(5) = 0.5 + 0.5/512 ≈ 0.501; 2000 draws give 0.50 ± 0.04 at 3.5 sigma.
  assert.ok(hits > 920 && hits < 1080, String(hits));
  const none = chooseLatentCells(mask([]), 1, random(3));
  assert.ok(none[0]! >= 0 && none[0]! < 512);
});

test("the same seed gives the same cells", () => {
  assert.deepEqual(chooseLatentCells(mask([1, 2, 3, 4]), 10, random(9)), chooseLatentCells(mask([1, 2, 3, 4]), 10, random(9)));
});

test("occupied cells come from the max-pooled batch", () => {
  const g = 16;
  const buf = tf.buffer([2, g, g, g, 1]);
  buf.set(1, 0, 0, 0, 0, 0); // cell (0,0,0) of sample 0
  buf.set(1, 1, 15, 3, 9, 0); // cell (7,1,4) of sample 1
  const x = buf.toTensor() as tf.Tensor5D;
  const occ = occupiedCells(x, 2);
  assert.deepEqual(
    occ.flatMap((o, i) => (o ? [i] : [])),
    [0, 7 * 64 + 1 * 8 + 4],
  );
  x.dispose();
});

test("stacked partial decoding equals the full decoding's patches, and targets are the matching input patches", () => {
  const a = createAutoencoder({ grid: 16, baseChannels: 2, seed: 5 });
  const x = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([2, 16, 16, 16, 1], 0, 1, "float32", 3), 0.7), "float32")) as tf.Tensor5D;
  const cells = [9, 0, 511, 200];
  const before = tf.memory().numTensors;
  const z = a.encoder.predict(x) as tf.Tensor5D;
  const stacked = gatherLatentCells(z, cells);
  assert.deepEqual(stacked.shape, [8, 1, 1, 1, 4]);
  const partial = a.decoder.predict(stacked) as tf.Tensor;
  const full = a.decoder.predict(z) as tf.Tensor5D;
  const targets = gatherPatches(x, cells, 2);
  const p = 2;
  for (let b = 0; b < 2; b++) {
    cells.forEach((c, k) => {
      const [i, j, l] = [Math.floor(c / 64), Math.floor(c / 8) % 8, c % 8];
      tf.tidy(() => {
        const row = b * cells.length + k;
        const want = tf.slice(full, [b, i * p, j * p, l * p, 0], [1, p, p, p, 1]);
        const got = tf.slice(partial, [row, 0, 0, 0, 0], [1, p, p, p, 1]);
        assert.ok(tf.max(tf.abs(tf.sub(want, got))).dataSync()[0]! < 1e-5, `sample ${b} cell ${c}`);
        const truth = tf.slice(x, [b, i * p, j * p, l * p, 0], [1, p, p, p, 1]);
        assert.deepEqual(Array.from(tf.slice(targets, [row, 0, 0, 0, 0], [1, p, p, p, 1]).dataSync()), Array.from(truth.dataSync()));
      });
    });
  }
  tf.dispose([z, stacked, partial, full, targets]);
  assert.equal(tf.memory().numTensors, before);
  x.dispose();
  a.model.dispose();
});
