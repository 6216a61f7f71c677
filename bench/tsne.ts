/**
 * t-SNE at thesis scale: our Barnes-Hut t-SNE against sklearn's
 * (sklearn.manifold.TSNE, Barnes-Hut, Debian's /usr/bin/python3) on the same
 * synthetic clustered embeddings, 41,476 × 512 by default, at perplexity 30
 * and 300. Reports wall time and map quality (trustworthiness and 10-NN
 * preservation, both scored by the same TypeScript code on the same sample
 * of query points).
 *
 *   npm run bench:tsne -- [--n 41476] [--dims 512] [--perplexities 30,300]
 *                         [--only ours|sklearn] [--sample 2000] [--work DIR]
 *
 * Results accumulate in DIR/results.json (one entry per implementation and
 * perplexity, replaced when re-run), so `--only` runs can fill the table in
 * parts; the table printed at the end shows every entry for this data.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { defaultThreads, mapQuality, type Matrix, tsne } from "../lib/analysis";
import { checkChoice, cliProgress, random, writeFileAtomic } from "../lib/core";
import { readNpyFile, writeNpyFile, npyToFloat64 } from "../lib/io";

interface Run {
  impl: "ours" | "sklearn";
  perplexity: number;
  seconds: number;
  trustworthiness: number;
  knnPreservation: number;
  kl: number;
  when: string;
  detail: string;
  /** 1-minute load average when the run started and when it ended (the machine may be shared). */
  load?: [number, number];
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

/**
 * Synthetic "latent embeddings": 4 groups of 6 clusters of unequal size; each
 * cluster is a 6-dimensional linear sheet in 512-D plus isotropic noise, so
 * neighbourhoods have low intrinsic dimension like real latent codes.
 */
function syntheticEmbeddings(n: number, d: number, seed: number): { x: Float32Array; cluster: Int32Array } {
  const rng = random(seed);
  const groups = 4;
  const perGroup = 6;
  const clusters = groups * perGroup;
  const rank = 6;
  const groupCentre = Array.from({ length: groups }, () => Float64Array.from({ length: d }, () => rng.normal(0, 3)));
  const centre = Array.from({ length: clusters }, (_, c) =>
    Float64Array.from(groupCentre[Math.floor(c / perGroup)]!, (g) => g + rng.normal(0, 1.5)),
  );
  const sheet = Array.from({ length: clusters }, () => Float64Array.from({ length: d * rank }, () => rng.normal(0, 0.6)));
  const weight = Array.from({ length: clusters }, () => 0.3 + rng.next());
  const total = weight.reduce((a, b) => a + b, 0);
  const x = new Float32Array(n * d);
  const cluster = new Int32Array(n);
  const z = new Float64Array(rank);
  for (let i = 0; i < n; i++) {
    let u = rng.next() * total;
    let c = 0;
    while (c < clusters - 1 && u >= weight[c]!) u -= weight[c++]!;
    cluster[i] = c;
    for (let r = 0; r < rank; r++) z[r] = rng.normal();
    const a = sheet[c]!;
    const m = centre[c]!;
    for (let j = 0; j < d; j++) {
      let v = m[j]! + rng.normal(0, 0.5);
      for (let r = 0; r < rank; r++) v += a[j * rank + r]! * z[r]!;
      x[i * d + j] = v;
    }
  }
  return { x, cluster };
}

async function main(): Promise<void> {
  const n = Number(arg("n", "41476"));
  const d = Number(arg("dims", "512"));
  const perplexities = arg("perplexities", "30,300").split(",").map(Number);
  const only = process.argv.includes("--only") ? checkChoice("--only", arg("only", ""), ["ours", "sklearn"] as const) : undefined;
  const sample = Number(arg("sample", "2000"));
  const work = arg("work", path.join(os.tmpdir(), `tsne-bench-${n}x${d}`));
  fs.mkdirSync(work, { recursive: true });
  const dataFile = path.join(work, "data.npy");
  const resultsFile = path.join(work, "results.json");
  console.log(`t-SNE benchmark: ${n} × ${d} synthetic clustered embeddings, perplexities ${perplexities.join(", ")}; files in ${work}`);
  console.log(
    `machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), load average ${os
      .loadavg()
      .map((v) => v.toFixed(1))
      .join(" ")}`,
  );

  const { x } = syntheticEmbeddings(n, d, 2024);
  if (!fs.existsSync(dataFile)) writeNpyFile(dataFile, x, [n, d]);
  const X: Matrix = { rows: n, cols: d, data: x };
  const threads = defaultThreads();
  const load = (): number => os.loadavg()[0]!;

  const readResults = (): Run[] => (fs.existsSync(resultsFile) ? (JSON.parse(fs.readFileSync(resultsFile, "utf8")) as Run[]) : []);
  // Re-read before each write: an `--only ours` and an `--only sklearn` run may share the directory.
  const record = (run: Run, map: Matrix): void => {
    const results = readResults().filter((r) => !(r.impl === run.impl && r.perplexity === run.perplexity));
    results.push(run);
    writeNpyFile(path.join(work, `map-${run.impl}-${run.perplexity}.npy`), map.data as Float64Array, [map.rows, map.cols]);
    writeFileAtomic(resultsFile, JSON.stringify(results, null, 1));
  };

  for (const perplexity of perplexities) {
    if (only !== "sklearn") {
      console.log(`\nours, perplexity ${perplexity}, ${threads} threads, load average ${load().toFixed(1)}`);
      const loadBefore = load();
      const t = performance.now();
      const r = await tsne(X, { perplexity, seed: 42, method: "barnes-hut", onProgress: cliProgress({ everySeconds: 30 }) });
      const seconds = (performance.now() - t) / 1000;
      const loadAfter = load();
      console.log(
        `ours: ${seconds.toFixed(1)} s (neighbours + affinities ${r.seconds.affinities.toFixed(1)} s), KL ${r.klDivergence.toFixed(4)}, load average ${loadAfter.toFixed(1)}`,
      );
      const q = mapQuality(X, [r.embedding], { k: 10, sampleSize: sample })[0]!;
      record(
        {
          impl: "ours",
          perplexity,
          seconds,
          trustworthiness: q.trustworthiness,
          knnPreservation: q.knnPreservation,
          kl: r.klDivergence,
          when: new Date().toISOString(),
          detail: `${threads} threads; neighbours+affinities ${r.seconds.affinities.toFixed(1)} s, optimisation ${r.seconds.optimisation.toFixed(1)} s`,
          load: [loadBefore, loadAfter],
        },
        r.embedding,
      );
    }
    if (only !== "ours") {
      console.log(`\nsklearn, perplexity ${perplexity}, load average ${load().toFixed(1)}`);
      const loadBefore = load();
      const out = path.join(work, `sklearn-${perplexity}.npy`);
      const p = spawnSync("/usr/bin/python3", [path.join(__dirname, "tsne_sklearn.py"), dataFile, String(perplexity), out], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
      });
      if (p.status !== 0) throw new Error(`bench/tsne_sklearn.py failed with status ${p.status}`);
      const info = JSON.parse(p.stdout.trim().split("\n").pop()!) as { seconds: number; sklearn: string; kl: number; iterations: number };
      const y = readNpyFile(out);
      const map: Matrix = { rows: n, cols: y.shape[1]!, data: npyToFloat64(y, out) };
      const loadAfter = load();
      console.log(`sklearn ${info.sklearn}: ${info.seconds.toFixed(1)} s, KL ${info.kl.toFixed(4)}, load average ${loadAfter.toFixed(1)}`);
      const q = mapQuality(X, [map], { k: 10, sampleSize: sample })[0]!;
      record(
        {
          impl: "sklearn",
          perplexity,
          seconds: info.seconds,
          trustworthiness: q.trustworthiness,
          knnPreservation: q.knnPreservation,
          kl: info.kl,
          when: new Date().toISOString(),
          detail: `sklearn ${info.sklearn}, ${info.iterations} iterations`,
          load: [loadBefore, loadAfter],
        },
        map,
      );
    }
  }

  console.log(
    `\n| perplexity | implementation | seconds | trustworthiness (k=10) | 10-NN preservation | KL | load average (start, end) | measured |`,
  );
  console.log(`|---|---|---|---|---|---|---|---|`);
  for (const r of readResults().sort((a, b) => a.perplexity - b.perplexity || a.impl.localeCompare(b.impl))) {
    const l = r.load ? `${r.load[0].toFixed(1)}, ${r.load[1].toFixed(1)}` : "–";
    console.log(
      `| ${r.perplexity} | ${r.impl} | ${r.seconds.toFixed(1)} | ${r.trustworthiness.toFixed(4)} | ${r.knnPreservation.toFixed(4)} | ${r.kl.toFixed(3)} | ${l} | ${r.when} |`,
    );
  }
  console.log(
    `\nQuality scored on ${Math.min(sample, n)} random query points (seed 42), each ranked against all ${n} points (the n² exact version is too slow at this size).`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
