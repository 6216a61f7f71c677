/**
 * `npm run bench`: times the workbench engine and the project's PyTorch
 * reference (reference/bench_torch.py, Debian's python3-torch, 2 threads) on
 * the same four cases in one run (each case ours then PyTorch, back to back,
 * so both see the same load), prints each pair with the ratio
 * ours/PyTorch, then the peak memory of an AE-128 full forward pass; the last
 * line is the worst ratio.
 *
 *   npm run bench [-- --repeats N] [-- --only ae64_encoder,vgg3d_features] [-- --no-torch]
 *
 * WORKBENCH_FAST_KERNELS=0 times tfjs' own kernels instead (very slow).
 */
import * as tf from "@tensorflow/tfjs";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { Random } from "../lib/core";
import { initEngine } from "../lib/engine";
import { createAutoencoder, createVgg3d, disposeAutoencoder, vgg3dFeatures } from "../lib/models";
import { AdamW, sigmoidFocalLoss, trainableVariables } from "../lib/train";

const CASES = ["ae64_encoder", "ae64_forward", "ae64_train", "vgg3d_features"] as const;
type Case = (typeof CASES)[number];
const LABEL: Record<Case, string> = {
  ae64_encoder: "AE-64 encoder forward, batch 1",
  ae64_forward: "AE-64 full forward, batch 1",
  ae64_train: "AE-64 training step, batch 2",
  vgg3d_features: "VGG3D features, batch 1",
};
const PYTHON = "/usr/bin/python3";
const root = path.resolve(__dirname, "..");

function occupancy(batch: number, grid: number, seed: number): tf.Tensor5D {
  const rng = new Random(seed);
  const n = batch * grid ** 3;
  return tf.tensor5d(Float32Array.from({ length: n }, () => (rng.next() < 0.1 ? 1 : 0)), [batch, grid, grid, grid, 1]);
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

function timeOurs(which: Case, repeats: number, trainBatch = 2): number {
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
        const { value, grads } = tf.variableGrads(() => sigmoidFocalLoss(ae.model.apply(x, { training: true }) as tf.Tensor, x, { alpha: 0.65, gamma: 1 }), variables);
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

function runChild(which: ChildCase, repeats: number): ChildResult {
  const r = spawnSync(process.execPath, ["--import", "tsx", __filename, "--child", which, "--repeats", String(repeats)], { cwd: root, encoding: "utf8" });
  const lines = r.stdout.trim().split("\n");
  const m = /^result (\S+) (\d+)$/.exec(lines[lines.length - 1] ?? "");
  if (r.status === 0 && m) return { seconds: Number(m[1]), maxRss: Number(m[2]) };
  const why = `${r.stderr}\n${r.stdout}`.split("\n").find((l) => /Error|Abort|out of/.test(l)) ?? `exit ${r.status}`;
  return { error: why.trim().slice(0, 160) };
}

async function child(which: ChildCase, repeats: number): Promise<void> {
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
  } else {
    seconds = timeOurs(which, repeats);
  }
  console.log(`result ${seconds} ${process.resourceUsage().maxRSS * 1024}`);
}

function torchTimes(cases: Case[], repeats: number): Record<string, number> {
  const r = spawnSync(PYTHON, [path.join(root, "reference", "bench_torch.py"), "--json", "--repeats", String(repeats), "--threads", "2", "--only", cases.join(",")], {
    cwd: root,
    encoding: "utf8",
  });
  if (r.error || r.status !== 0) {
    throw new Error(`${PYTHON} reference/bench_torch.py failed (${r.error?.message ?? `exit ${r.status}`}); it needs Debian's python3-torch:\n${r.stderr}`);
  }
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as Record<string, number>;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const repeats = Number(value("--repeats") ?? 2);
  const childCase = value("--child");
  if (childCase !== undefined) return child(childCase as ChildCase, repeats);
  const only = value("--only");
  const cases = only
    ? only.split(",").map((c) => {
        if (!(CASES as readonly string[]).includes(c)) throw new Error(`--only: unknown case ${c}; valid: ${CASES.join(", ")}`);
        return c as Case;
      })
    : [...CASES];
  const withTorch = !argv.includes("--no-torch");

  const engine = await initEngine({ quiet: true });
  console.log(engine.message);
  // Each case runs ours and then PyTorch's back to back, so that both see the
  // same load on a shared machine.
  const ours: Partial<Record<Case, ChildResult>> = {};
  const torch: Partial<Record<Case, number>> = {};
  for (const c of cases) {
    const r = runChild(c, repeats);
    ours[c] = r;
    console.log(`ours     ${LABEL[c].padEnd(34)} ${r.seconds !== undefined ? `${r.seconds.toFixed(3)} s (peak RSS ${(r.maxRss! / 2 ** 30).toFixed(2)} GiB)` : `failed: ${r.error}`}`);
    if (c === "ae64_train" && r.seconds === undefined) {
      // Shows whether only memory stands in the way: the same step at batch 1.
      const one = runChild("ae64_train_batch1", repeats);
      console.log(`ours     ${"AE-64 training step, batch 1".padEnd(34)} ${one.seconds !== undefined ? `${one.seconds.toFixed(3)} s (peak RSS ${(one.maxRss! / 2 ** 30).toFixed(2)} GiB; not compared)` : `failed: ${one.error}`}`);
    }
    if (withTorch) {
      torch[c] = torchTimes([c], repeats)[c];
      console.log(`PyTorch  ${LABEL[c].padEnd(34)} ${torch[c]!.toFixed(3)} s`);
    }
  }
  console.log("");
  console.log(`${"case".padEnd(34)} ${"ours (s)".padStart(9)} ${"PyTorch (s)".padStart(12)} ${"ours/PyTorch".padStart(13)}`);
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
    console.log(`${LABEL[c].padEnd(34)} ${shown.padStart(9)} ${(t !== undefined ? t.toFixed(3) : "-").padStart(12)} ${(Number.isNaN(ratio) ? "-" : ratio.toFixed(2)).padStart(13)}`);
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
