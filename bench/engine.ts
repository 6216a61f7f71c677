/**
 * `npm run bench`: times the workbench engine and the project's PyTorch
 * reference (reference/bench_torch.py, Debian's python3-torch, 2 threads) on
 * the same five cases in one run (each case ours then PyTorch, back to back,
 * so both see the same load), prints each pair with the ratio ours/PyTorch
 * and the achieved GFLOP/s (lib/models' forwardFlops: 2·MACs of the
 * convolutions) next to this machine's measured multiply-add peak
 * (bench/peak.ts), then the peak memory of an AE-128 full forward pass; the
 * last line is the worst ratio. The embedding case runs the real `embed`
 * pipeline (embedDataset: cache files on disk → batches of 8 → encoder →
 * channel maximum → table) over synthetic neurons cached at 64³, and
 * PyTorch's reference encoder over the same cache files.
 *
 *   npm run bench [-- --repeats N] [-- --only ae64_encoder,embed64] [-- --no-torch] [-- --no-peak]
 *   [-- --embed-neurons N]
 *
 * WORKBENCH_FAST_KERNELS=0 times tfjs' own kernels instead (very slow).
 */
import * as tf from "@tensorflow/tfjs";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Random } from "../lib/core";
import { openDataset } from "../lib/dataset";
import { embedDataset } from "../lib/embeddings";
import { initEngine } from "../lib/engine";
import { createAutoencoder, createVgg3d, disposeAutoencoder, forwardFlops, vgg3dFeatures } from "../lib/models";
import { synthNeurons } from "../lib/synthetic";
import { AdamW, sigmoidFocalLoss, trainableVariables } from "../lib/train";
import { machinePeaks, type MachinePeaks, type Peak } from "./peak";

const CASES = ["ae64_encoder", "ae64_forward", "ae64_train", "vgg3d_features", "embed64"] as const;
type Case = (typeof CASES)[number];
const LABEL: Record<Case, string> = {
  ae64_encoder: "AE-64 encoder forward, batch 1",
  ae64_forward: "AE-64 full forward, batch 1",
  ae64_train: "AE-64 training step, batch 2",
  vgg3d_features: "VGG3D features, batch 1",
  embed64: "embedding, grid 64, batch 8",
};
const EMBED_GRID = 64;
const EMBED_BATCH = 8;

/**
 * FLOPs of one run of each case: forward passes from the layer shapes; a
 * training step as three times its forward pass (the input and the filter
 * gradient of a convolution each cost as much as the convolution); the
 * embedding case the encoder over every neuron.
 */
function caseFlops(embedNeurons: number): Record<Case, number> {
  const ae = createAutoencoder({ grid: 64 });
  const vgg = createVgg3d({ classifier: false });
  try {
    return {
      ae64_encoder: forwardFlops(ae.encoder),
      ae64_forward: forwardFlops(ae.model),
      ae64_train: 3 * forwardFlops(ae.model, 2),
      vgg3d_features: forwardFlops(vgg.features),
      embed64: forwardFlops(ae.encoder, embedNeurons),
    };
  } finally {
    disposeAutoencoder(ae);
    vgg.features.dispose();
  }
}
const PYTHON = "/usr/bin/python3";
const root = path.resolve(__dirname, "..");

function occupancy(batch: number, grid: number, seed: number): tf.Tensor5D {
  const rng = new Random(seed);
  const n = batch * grid ** 3;
  return tf.tensor5d(
    Float32Array.from({ length: n }, () => (rng.next() < 0.1 ? 1 : 0)),
    [batch, grid, grid, grid, 1],
  );
}

/** Best wall time of `repeats` runs after one warm-up; `run` must finish its work (read back a value). */
function bestOf(repeats: number, run: () => void): number {
  run();
  let best = Infinity;
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    run();
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return best;
}

function timeOurs(which: Exclude<Case, "embed64">, repeats: number, trainBatch = 2): number {
  switch (which) {
    case "ae64_encoder":
    case "ae64_forward": {
      const ae = createAutoencoder({ grid: 64 });
      const x = occupancy(1, 64, 1);
      const net = which === "ae64_encoder" ? ae.encoder : ae.model;
      const t = bestOf(repeats, () => {
        const y = net.predict(x) as tf.Tensor;
        y.dataSync();
        y.dispose();
      });
      x.dispose();
      disposeAutoencoder(ae);
      return t;
    }
    case "ae64_train": {
      // The dense training step of lib/train's Trainer: focal loss, gradients, AdamW.
      const ae = createAutoencoder({ grid: 64 });
      const x = occupancy(trainBatch, 64, 2);
      const variables = trainableVariables(ae.model);
      const optimizer = new AdamW(variables, { weightDecay: 0.01 });
      const t = bestOf(repeats, () => {
        const { value, grads } = tf.variableGrads(
          () => sigmoidFocalLoss(ae.model.apply(x, { training: true }) as tf.Tensor, x, { alpha: 0.65, gamma: 1 }),
          variables,
        );
        optimizer.step(grads, 3e-3);
        value.dataSync();
        tf.dispose([value, ...Object.values(grads)]);
      });
      x.dispose();
      optimizer.dispose();
      disposeAutoencoder(ae);
      return t;
    }
    case "vgg3d_features": {
      const vgg = createVgg3d();
      const x = tf.tidy(() => tf.randomUniform<tf.Rank.R5>([1, 80, 80, 80, 1], 0, 1, "float32", 3));
      const t = bestOf(repeats, () => {
        const f = vgg3dFeatures(vgg, x);
        f.dataSync();
        f.dispose();
      });
      x.dispose();
      vgg.features.dispose();
      return t;
    }
  }
}

interface ChildResult {
  seconds?: number;
  /** Peak resident memory of the child process, bytes. */
  maxRss?: number;
  error?: string;
}

/**
 * Runs one case in a fresh process, so each starts from the same state and a
 * failure (such as the 4 GiB WebAssembly heap running out) does not end the
 * whole benchmark.
 */
type ChildCase = Case | "ae128_forward" | "ae64_train_batch1";

function runChild(which: ChildCase, repeats: number, extra: string[] = []): ChildResult {
  const r = spawnSync(process.execPath, ["--import", "tsx", __filename, "--child", which, "--repeats", String(repeats), ...extra], {
    cwd: root,
    encoding: "utf8",
  });
  const lines = r.stdout.trim().split("\n");
  const m = /^result (\S+) (\d+)$/.exec(lines[lines.length - 1] ?? "");
  if (r.status === 0 && m) return { seconds: Number(m[1]), maxRss: Number(m[2]) };
  const why = `${r.stderr}\n${r.stdout}`.split("\n").find((l) => /Error|Abort|out of/.test(l)) ?? `exit ${r.status}`;
  return { error: why.trim().slice(0, 160) };
}

/**
 * Best wall time of `embed` over the cached dataset at `dataDir` (every
 * neuron, batch 8, a fresh table each time, after one warm-up run), with an
 * encoder of random weights: the speed does not depend on them.
 */
async function timeEmbedding(dataDir: string, repeats: number): Promise<number> {
  const dataset = openDataset(dataDir);
  const ae = createAutoencoder({ grid: EMBED_GRID });
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "bench-embed-out-"));
  try {
    let best = Infinity;
    for (let r = 0; r <= repeats; r++) {
      const t0 = performance.now();
      const result = await embedDataset(ae.encoder, dataset, EMBED_GRID, path.join(out, `run-${r}`), { batchSize: EMBED_BATCH });
      if (result.computed !== dataset.rows.length)
        throw new Error(`bench embed64: embedded ${result.computed} of ${dataset.rows.length} neurons`);
      if (r > 0) best = Math.min(best, (performance.now() - t0) / 1000);
    }
    return best;
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
    disposeAutoencoder(ae);
  }
}

async function child(which: ChildCase, repeats: number, dataDir: string | undefined): Promise<void> {
  await initEngine({ quiet: true });
  let seconds: number;
  if (which === "ae128_forward") {
    const ae = createAutoencoder({ grid: 128 });
    const x = occupancy(1, 128, 4);
    const t0 = performance.now();
    const y = ae.model.predict(x) as tf.Tensor;
    y.dataSync();
    seconds = (performance.now() - t0) / 1000;
  } else if (which === "ae64_train_batch1") {
    seconds = timeOurs("ae64_train", repeats, 1);
  } else if (which === "embed64") {
    if (dataDir === undefined) throw new Error("bench --child embed64 needs --data <dataset dir>");
    seconds = await timeEmbedding(dataDir, repeats);
  } else {
    seconds = timeOurs(which, repeats);
  }
  console.log(`result ${seconds} ${process.resourceUsage().maxRSS * 1024}`);
}

function torchTimes(cases: Case[], repeats: number, extra: string[] = []): Record<string, number> {
  const args = [
    path.join(root, "reference", "bench_torch.py"),
    "--json",
    "--repeats",
    String(repeats),
    "--threads",
    "2",
    "--only",
    cases.join(","),
    ...extra,
  ];
  const r = spawnSync(PYTHON, args, { cwd: root, encoding: "utf8" });
  if (r.error || r.status !== 0) {
    throw new Error(
      `${PYTHON} reference/bench_torch.py failed (${r.error?.message ?? `exit ${r.status}`}); it needs Debian's python3-torch:\n${r.stderr}`,
    );
  }
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as Record<string, number>;
}

function printPeaks(when: string, p: MachinePeaks): void {
  const line = (peaks: Peak[]) =>
    peaks.map((q) => `${q.gflops.toFixed(1)} GFLOP/s on ${q.threads} thread${q.threads > 1 ? "s" : ""}`).join(", ");
  console.log(`machine peak ${when}, multiply-add throughput (bench/peak/madd.c, best of 5):`);
  console.log(`  WebAssembly SIMD, f32x4 multiply + add: ${line(p.wasm)}`);
  console.log(`  native, cc -O3 -march=native (FMA):     ${p.native.length > 0 ? line(p.native) : `skipped: ${p.nativeSkipped}`}`);
}

/** The thesis's neuron count, for the time an embedding run would take. */
const THESIS_NEURONS = 41_476;
const ARRAY_TASKS = 16;

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const repeats = Number(value("--repeats") ?? 2);
  const childCase = value("--child");
  if (childCase !== undefined) return child(childCase as ChildCase, repeats, value("--data"));
  const only = value("--only");
  const cases = only
    ? only.split(",").map((c) => {
        if (!(CASES as readonly string[]).includes(c)) throw new Error(`--only: unknown case ${c}; valid: ${CASES.join(", ")}`);
        return c as Case;
      })
    : [...CASES];
  const withTorch = !argv.includes("--no-torch");
  const embedNeurons = Number(value("--embed-neurons") ?? 16);
  if (!Number.isInteger(embedNeurons) || embedNeurons < 1)
    throw new Error(`--embed-neurons: expected a whole number >= 1; found ${value("--embed-neurons")}`);

  const engine = await initEngine({ quiet: true });
  console.log(engine.message);
  const withPeak = !argv.includes("--no-peak");
  // Measured before and after the cases; the best of the two is the machine's limit when it gets its cores.
  const peaksBefore = withPeak ? await machinePeaks() : null;
  if (peaksBefore) printPeaks("before the cases", peaksBefore);
  const flops = caseFlops(embedNeurons);
  let embedData: string | null = null;
  if (cases.includes("embed64")) {
    embedData = fs.mkdtempSync(path.join(os.tmpdir(), "bench-embed-"));
    await synthNeurons({ out: embedData, count: embedNeurons, points: 20_000, grids: [EMBED_GRID], seed: 1996 });
  }
  // Each case runs ours and then PyTorch's back to back, so that both see the
  // same load on a shared machine.
  const ours: Partial<Record<Case, ChildResult>> = {};
  const torch: Partial<Record<Case, number>> = {};
  try {
    for (const c of cases) {
      const embedding = c === "embed64" && embedData !== null;
      const r = runChild(c, repeats, embedding ? ["--data", embedData!] : []);
      ours[c] = r;
      console.log(
        `ours     ${LABEL[c].padEnd(34)} ${r.seconds !== undefined ? `${r.seconds.toFixed(3)} s (peak RSS ${(r.maxRss! / 2 ** 30).toFixed(2)} GiB)` : `failed: ${r.error}`}`,
      );
      if (c === "ae64_train" && r.seconds === undefined) {
        // Shows whether only memory stands in the way: the same step at batch 1.
        const one = runChild("ae64_train_batch1", repeats);
        console.log(
          `ours     ${"AE-64 training step, batch 1".padEnd(34)} ${one.seconds !== undefined ? `${one.seconds.toFixed(3)} s (peak RSS ${(one.maxRss! / 2 ** 30).toFixed(2)} GiB; not compared)` : `failed: ${one.error}`}`,
        );
      }
      if (withTorch) {
        const extra = embedding ? ["--cache", path.join(embedData!, "cache", String(EMBED_GRID)), "--batch", String(EMBED_BATCH)] : [];
        torch[c] = torchTimes([c], repeats, extra)[c];
        console.log(`PyTorch  ${LABEL[c].padEnd(34)} ${torch[c]!.toFixed(3)} s`);
      }
    }
  } finally {
    if (embedData !== null) fs.rmSync(embedData, { recursive: true, force: true });
  }
  const peaksAfter = withPeak ? await machinePeaks() : null;
  if (peaksAfter) printPeaks("after the cases", peaksAfter);
  const best = (pick: (p: MachinePeaks) => Peak | undefined): Peak | undefined => {
    const found = [peaksBefore, peaksAfter].map((p) => (p ? pick(p) : undefined)).filter((q): q is Peak => q !== undefined);
    return found.length === 0 ? undefined : found.reduce((x, y) => (y.gflops > x.gflops ? y : x));
  };
  const wasmPeak = best((p) => p.wasm.at(-1));
  const nativePeak = best((p) => p.native.at(-1));
  const rate = (c: Case, seconds: number | undefined) => (seconds === undefined ? undefined : flops[c] / seconds / 1e9);
  const percent = (gflops: number | undefined, peak: { gflops: number } | undefined) =>
    gflops === undefined || peak === undefined ? "-" : `${((100 * gflops) / peak.gflops).toFixed(0)} %`;
  console.log("");
  console.log(
    `${"case".padEnd(34)} ${"ours (s)".padStart(9)} ${"PyTorch (s)".padStart(12)} ${"ours/PyTorch".padStart(13)} ${"GFLOP".padStart(7)} ${"ours GFLOP/s".padStart(13)} ${"PyTorch GFLOP/s".padStart(16)}` +
      ` ${"ours/wasm peak".padStart(15)} ${"ours/native".padStart(12)} ${"PyTorch/native".padStart(15)}`,
  );
  let worst = 0;
  let worstCase = "";
  for (const c of cases) {
    const ourTime = ours[c]!.seconds;
    const t = torch[c];
    // A case we could not run counts as the worst possible ratio.
    const ratio = t === undefined ? NaN : ourTime === undefined ? Infinity : ourTime / t;
    if (ratio > worst) {
      worst = ratio;
      worstCase = LABEL[c];
    }
    const shown = ourTime === undefined ? "failed" : ourTime.toFixed(3);
    const [ourRate, torchRate] = [rate(c, ourTime), rate(c, t)];
    console.log(
      `${LABEL[c].padEnd(34)} ${shown.padStart(9)} ${(t !== undefined ? t.toFixed(3) : "-").padStart(12)} ${(Number.isNaN(ratio) ? "-" : ratio.toFixed(2)).padStart(13)} ${(flops[c] / 1e9).toFixed(1).padStart(7)}` +
        ` ${(ourRate?.toFixed(1) ?? "-").padStart(13)} ${(torchRate?.toFixed(1) ?? "-").padStart(16)} ${percent(ourRate, wasmPeak).padStart(15)} ${percent(ourRate, nativePeak).padStart(12)} ${percent(torchRate, nativePeak).padStart(15)}`,
    );
  }
  console.log(
    "GFLOP: 2 per multiply-add of the convolutions from the layer shapes, as a direct convolution does them (lib/models forwardFlops; a training step" +
      " counts 3 forward passes); Winograd convolutions do fewer multiplies, so their effective rate can pass the peak;" +
      (withPeak
        ? ` peaks: the best 2-thread ones, WebAssembly ${wasmPeak!.gflops.toFixed(1)}, native ${nativePeak ? nativePeak.gflops.toFixed(1) : "-"} GFLOP/s.`
        : " peaks not measured (--no-peak)."),
  );
  if (cases.includes("embed64")) {
    const perSecond = (s: number | undefined) => (s === undefined ? undefined : embedNeurons / s);
    for (const [who, n] of [
      ["ours", perSecond(ours.embed64!.seconds)],
      ["PyTorch", perSecond(torch.embed64)],
    ] as const) {
      if (n === undefined) continue;
      const hours = THESIS_NEURONS / n / 3600;
      console.log(
        `embedding at grid ${EMBED_GRID}, batch ${EMBED_BATCH}, ${who}: ${n.toFixed(2)} neurons/s; ${THESIS_NEURONS.toLocaleString("en")} neurons in ${hours.toFixed(2)} h on this machine, ` +
          `${((hours * 60) / ARRAY_TASKS).toFixed(0)} min over a ${ARRAY_TASKS}-task job array of such machines`,
      );
    }
  }
  if (!argv.includes("--no-memory")) {
    const big = runChild("ae128_forward", 1);
    console.log(
      big.maxRss !== undefined
        ? `AE-128 full forward, batch 1: ${big.seconds!.toFixed(2)} s, peak RSS ${(big.maxRss / 2 ** 30).toFixed(2)} GiB`
        : `AE-128 full forward, batch 1: failed: ${big.error}`,
    );
  }
  console.log(withTorch ? `worst ratio ours/PyTorch: ${worst.toFixed(2)} (${worstCase})` : "worst ratio ours/PyTorch: - (--no-torch)");
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
