/**
 * Peak memory of one Dense training step on the CPU (SPEC dense64 preset,
 * batch 2 unless --batch-size says otherwise): tensor bytes at the peak of
 * the step as tfjs counts them, the process' maximum resident set, and on
 * wasm how much of the 4 GiB heap the step needed.
 *
 *   npm run bench:train-memory [-- --preset dense64 --batch-size 2 --steps 1]
 */
import * as tf from "@tensorflow/tfjs";
import { backendHeapBytes, initEngine, kernelMemoryBytes } from "../lib/engine";
import { countParameters } from "../lib/models";
import { AdamW, batchScores, oneCycleLr, resolveTrainOptions, sigmoidFocalLoss, trainableVariables } from "../lib/train";
import { createAutoencoder, disposeAutoencoder } from "../lib/models";

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

async function main(): Promise<void> {
  const engine = await initEngine();
  const preset = flag("preset", "dense64");
  const o = resolveTrainOptions(preset, { batchSize: Number(flag("batch-size", "2")), mode: "dense" });
  const steps = Number(flag("steps", "1"));
  const rssBefore = process.resourceUsage().maxRSS * 1024;
  const a = createAutoencoder({ grid: o.grid, baseChannels: o.baseChannels, seed: o.seed });
  const vars = trainableVariables(a.model);
  const optimizer = new AdamW(vars, o);
  const g = o.grid;
  // A neuron-like occupancy (about 2 % of voxels), seeded.
  const x = tf.tidy(() =>
    tf.cast(tf.greater(tf.randomUniform([o.batchSize, g, g, g, 1], 0, 1, "float32", o.seed), 0.98), "float32"),
  ) as tf.Tensor5D;
  const modelBytes = tf.memory().numBytes;
  const times: number[] = [];
  let peak = 0;
  for (let s = 0; s < steps; s++) {
    const t0 = Date.now();
    const info = await tf.profile(() => {
      let logits: tf.Tensor | null = null;
      const { value, grads } = tf.variableGrads(() => {
        const out = a.model.apply(x, { training: true }) as tf.Tensor;
        logits = tf.keep(out);
        return sigmoidFocalLoss(out, x, o);
      }, vars);
      optimizer.step(grads, oneCycleLr(s, o.iterations, o.maxLr, o));
      batchScores(logits!, x);
      value.dataSync();
      tf.dispose([value, logits!, ...Object.values(grads)]);
    });
    times.push((Date.now() - t0) / 1000);
    peak = Math.max(peak, info.peakBytes);
  }
  const rssAfter = process.resourceUsage().maxRSS * 1024;
  console.log(engine.message);
  console.log(
    `preset ${preset}: grid ${g}, base ${o.baseChannels} (${countParameters(a.model).toLocaleString("en")} parameters), Dense step, batch ${o.batchSize}`,
  );
  console.log(`tensors held before the step (weights, AdamW moments, input): ${mb(modelBytes)}`);
  console.log(
    `peak tensor memory during a step (tf.profile peakBytes, which counts a buffer once for each tensor sharing it): ${mb(peak)}`,
  );
  console.log(`process peak resident memory: ${mb(rssAfter)} (before building the model: ${mb(rssBefore)})`);
  const heap = backendHeapBytes();
  if (heap !== null) console.log(`wasm backend heap: ${mb(heap)} of the 4096 MiB a wasm32 memory can address`);
  console.log(`3-D kernel memory (a separate WebAssembly memory): ${mb(kernelMemoryBytes())}`);
  console.log(`step time: ${times.map((t) => `${t.toFixed(1)} s`).join(", ")}`);
  x.dispose();
  optimizer.dispose();
  disposeAutoencoder(a);
}

main().catch((err: unknown) => {
  if (err instanceof Error && err.name === "RuntimeError" && tf.getBackend() === "wasm") {
    // wasm32 addresses at most 4 GiB; tfjs-wasm reports running past it this way.
    console.error(
      `The step does not fit the WebAssembly backend's 4 GiB heap (${err.message}). Measure on the JavaScript CPU backend instead: WORKBENCH_BACKEND=cpu npm run bench:train-memory`,
    );
    process.exit(3);
  }
  console.error(err);
  process.exit(1);
});
