import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { buildCache, createDataset } from "../../lib/dataset";
import { embedDataset, latentEmbeddings, pooledSize, POOLINGS, readEmbeddingTable } from "../../lib/embeddings";
import { createAutoencoder } from "../../lib/models";

const REAL = path.resolve(__dirname, "../fixtures/swc/real-sample");
const GRID = 16;
const ae = createAutoencoder({ grid: GRID, baseChannels: 2, seed: 3 });
const CHANNELS = 4;

test("each pooling reduces the latent [B, 8, 8, 8, C] as documented, without leaking tensors", () => {
  const x = tf.tidy(() => tf.randomUniform([2, GRID, GRID, GRID, 1], 0, 1, "float32", 5).greater<tf.Tensor5D>(0.6).toFloat());
  const z = (ae.encoder.predict(x) as tf.Tensor).arraySync() as number[][][][][];
  const cells = (b: number): number[][] => z[b]!.flat(2);
  for (const pooling of POOLINGS) {
    const before = tf.memory().numTensors;
    const e = latentEmbeddings(ae.encoder, x, pooling);
    assert.equal(tf.memory().numTensors, before, `${pooling}: no tensors leaked`);
    const dim = pooledSize(pooling, CHANNELS);
    assert.equal(e.length, 2 * dim, pooling);
    for (let b = 0; b < 2; b++) {
      const all = cells(b);
      const max = Array.from({ length: CHANNELS }, (_, c) => Math.max(...all.map((cell) => cell[c]!)));
      const mean = Array.from({ length: CHANNELS }, (_, c) => all.reduce((s, cell) => s + cell[c]!, 0) / all.length);
      const want = {
        "channel-max": all.map((cell) => Math.max(...cell)),
        "global-max": max,
        "global-mean": mean,
        "global-max+mean": [...max, ...mean],
      }[pooling];
      want.forEach((w, j) => assert.ok(Math.abs(e[b * dim + j]! - w) < 1e-5, `${pooling} value ${j}: ${e[b * dim + j]} vs ${w}`));
    }
  }
  assert.deepEqual(
    POOLINGS.map((p) => pooledSize(p, 256)),
    [512, 256, 256, 512],
  );
  x.dispose();
});

test("embedDataset writes the chosen pooling, and a stopped run does not resume under another pooling", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pooling-"));
  const files = ["p19.CNG.swc", "ok_m116mod.CNG.swc", "LLC7B-1.CNG.swc", "axon_10-LM-HiDe.CNG.swc"];
  const ds = createDataset(
    path.join(dir, "data"),
    files.map((f) => ({ id: f, source: path.join(REAL, f), split: "train", soma: null, labels: {} })),
    { points: 3000, seed: 2 },
  );
  await buildCache(ds.dir, { sizes: [GRID] });
  const out = path.join(dir, "gmm");
  await embedDataset(ae.encoder, ds, GRID, out, { pooling: "global-max+mean" });
  const t = readEmbeddingTable(out);
  assert.equal(t.dim, 2 * CHANNELS);
  const x = tf.tensor5d(Float32Array.from(ds.grid(files[1]!, GRID)), [1, GRID, GRID, GRID, 1]);
  assert.deepEqual(
    Array.from(t.values.subarray(CHANNELS * 2, CHANNELS * 4)),
    Array.from(latentEmbeddings(ae.encoder, x, "global-max+mean")),
  );
  x.dispose();
  const stopped = path.join(dir, "stopped");
  const first = await embedDataset(ae.encoder, ds, GRID, stopped, { chunkSize: 2, batchSize: 2, onProgress: (e) => e.done < 2 });
  assert.equal(first.complete, false);
  await assert.rejects(
    embedDataset(ae.encoder, ds, GRID, stopped, { chunkSize: 2, batchSize: 2, pooling: "global-max" }),
    /holds 512 values per neuron, this run makes 4 \("global-max" pooling\)/,
  );
});
