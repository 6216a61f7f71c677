// Prints a SHA-256 of a batch-norm forward pass and its gradients on
// WORKBENCH_THREADS kernel threads (used by batchnorm.test.ts).
import { createHash } from "node:crypto";
import * as tf from "@tensorflow/tfjs";
import { Random } from "../../lib/core";
import { batchNormTraining, initEngine } from "../../lib/engine";

async function main(): Promise<void> {
  await initEngine({ backend: "wasm", quiet: true });
  const rng = new Random(7);
  const shape = [2, 16, 16, 16, 12];
  const n = shape.reduce((a, b) => a * b, 1);
  const x = tf.tensor(Float32Array.from({ length: n }, () => rng.normal(3, 2)), shape);
  const r = tf.tensor(Float32Array.from({ length: n }, () => rng.normal()), shape);
  const gamma = tf.ones([12]) as tf.Tensor1D;
  const beta = tf.zeros([12]) as tf.Tensor1D;
  const loss = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(batchNormTraining(a, g as tf.Tensor1D, b as tf.Tensor1D, 1e-5, true), r));
  const grads = tf.grads(loss)([x, gamma, beta]);
  const hash = createHash("sha256");
  for (const t of grads) hash.update(Buffer.from((t.dataSync() as Float32Array).buffer));
  console.log(hash.digest("hex"));
}

void main();
