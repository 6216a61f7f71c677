// Prints a SHA-256 of a batch-norm forward pass and a 3-D convolution with
// their gradients on WORKBENCH_THREADS kernel threads, or with --values the
// gradients themselves as JSON (used by threads.test.ts and native-kernels.test.ts).
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
  const loss = (a: tf.Tensor, f: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
    tf.sum(
      tf.mul(
        batchNormTraining(tf.conv3d(a as tf.Tensor5D, f as tf.Tensor5D, 1, "same"), g as tf.Tensor1D, b as tf.Tensor1D, 1e-5, true),
        r,
      ),
    );
  const grads = tf.grads(loss)([x, filter, gamma, beta]);
  if (process.argv.includes("--values")) {
    console.log(JSON.stringify(grads.map((g) => Array.from(g.dataSync()))));
    return;
  }
  const hash = createHash("sha256");
  for (const t of grads) hash.update(Buffer.from((t.dataSync() as Float32Array).buffer));
  console.log(hash.digest("hex"));
}

void main();
