// Prints a SHA-256 of the gradients of a batch-norm forward pass after a 3-D
// convolution (Winograd, few tiles), a strided 2x2x2 convolution (the direct
// filter gradient) and a convolution on enough voxels that the Winograd filter
// gradient sums chunks of tiles, on WORKBENCH_THREADS kernel threads; with
// --values the gradients themselves as JSON (used by threads.test.ts and
// native-kernels.test.ts).
import { createHash } from "node:crypto";
import * as tf from "@tensorflow/tfjs";
import { Random } from "../../lib/core";
import { batchNormTraining, initEngine } from "../../lib/engine";

async function main(): Promise<void> {
  await initEngine({ backend: "wasm", quiet: true });
  const rng = new Random(7);
  const values = (shape: number[], mean = 0, std = 1) =>
    tf.tensor(
      Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal(mean, std)),
      shape,
    );
  const shape = [2, 16, 16, 16, 12];
  const x = values(shape, 3, 2);
  const r = values(shape);
  const filter = values([3, 3, 3, 12, 12]);
  const gamma = tf.ones<tf.Rank.R1>([12]);
  const beta = tf.zeros<tf.Rank.R1>([12]);
  const strided = values([2, 2, 2, 12, 8]);
  const r2 = values([2, 8, 8, 8, 8]);
  const large = values([1, 44, 44, 44, 32]);
  const largeFilter = values([3, 3, 3, 32, 32]);
  const r3 = values([1, 44, 44, 44, 32]);
  const loss = (a: tf.Tensor, f: tf.Tensor, g: tf.Tensor, b: tf.Tensor, f2: tf.Tensor, f3: tf.Tensor) =>
    tf.addN([
      tf.sum(
        tf.mul(
          batchNormTraining(tf.conv3d(a as tf.Tensor5D, f as tf.Tensor5D, 1, "same"), g as tf.Tensor1D, b as tf.Tensor1D, 1e-5, true),
          r,
        ),
      ),
      tf.sum(tf.mul(tf.conv3d(a as tf.Tensor5D, f2 as tf.Tensor5D, 2, "valid"), r2)),
      tf.sum(tf.mul(tf.conv3d(large as tf.Tensor5D, f3 as tf.Tensor5D, 1, "same"), r3)),
    ]);
  const grads = tf.grads(loss)([x, filter, gamma, beta, strided, largeFilter]);
  if (process.argv.includes("--values")) {
    console.log(JSON.stringify(grads.map((g) => Array.from(g.dataSync()))));
    return;
  }
  const hash = createHash("sha256");
  for (const t of grads) hash.update(Buffer.from((t.dataSync() as Float32Array).buffer));
  console.log(hash.digest("hex"));
}

void main();
