/**
 * Benchmark (not a test): on the 127 real NeuroMorpho neurons of four
 * families in ../shared/data/swc/families, trains each configuration, embeds
 * with every pooling and judges the embeddings against the baselines
 * (untrained network on per-shape and on dataset-wide grids, size only,
 * morphometrics, majority class) by family, with the CPU time each training
 * took. Everything is kept under --out: a second run reuses it, a stopped run
 * (Ctrl-C) continues.
 *
 *   npm run bench:evaluate-families [-- --configs shape-tiny,dataset-tiny --out results/bench/families]
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { cliProgress, projectRoot, WorkbenchError, type OnProgress } from "../lib/core";
import { command, EXIT, listenForStop, main } from "../lib/cli";
import { buildCache, computeDatasetRange, createDataset, openDataset, type Dataset, type DatasetRow } from "../lib/dataset";
import { embedDataset, embeddingFiles, POOLINGS, readEmbeddingTable, type Pooling } from "../lib/embeddings";
import { initEngine } from "../lib/engine";
import { evaluateEmbeddings, formatEvaluation, writeEvaluation, type EmbeddingInput, type Evaluation } from "../lib/evaluation";
import { parseCsv } from "../lib/io";
import { disposeAutoencoder } from "../lib/models";
import { loadCheckpoint, resolveTrainOptions, Trainer, type PresetName, type TrainOptions } from "../lib/train";

type Normalisation = "shape" | "dataset";

/** What is compared: how grids are normalised, and the training preset with overrides (named by normalisation and steps). */
const CONFIGS: Record<string, { normalisation: Normalisation; preset: PresetName; overrides?: Partial<TrainOptions> }> = {
  "shape-240": { normalisation: "shape", preset: "tiny" },
  "dataset-240": { normalisation: "dataset", preset: "tiny" },
  "shape-1000": { normalisation: "shape", preset: "tiny", overrides: { iterations: 1000 } },
  "dataset-1000": { normalisation: "dataset", preset: "tiny", overrides: { iterations: 1000 } },
  // The same 240 steps from other weight and data-order seeds: how much of a difference is luck.
  "shape-240-seed2": { normalisation: "shape", preset: "tiny", overrides: { seed: 2 } },
  "shape-240-seed3": { normalisation: "shape", preset: "tiny", overrides: { seed: 3 } },
};

/** Every 8th neuron of each family validates (for the best-f1 checkpoint); all 127 are embedded and evaluated. */
function familyRows(dir: string): DatasetRow[] {
  const file = path.join(dir, "labels.csv");
  const { columns, rows } = parseCsv(fs.readFileSync(file, "utf8"), file);
  const at = { file: columns.indexOf("file"), family: columns.indexOf("family") };
  if (at.file < 0 || at.family < 0) throw new WorkbenchError(`${file}: expected columns file and family, found ${columns.join(", ")}`);
  const seen = new Map<string, number>();
  return rows.map((r) => {
    const family = r[at.family]!;
    const k = seen.get(family) ?? 0;
    seen.set(family, k + 1);
    return {
      id: r[at.file]!.replace(/\.CNG\.swc$/i, ""),
      source: path.join(dir, r[at.file]!),
      split: k % 8 === 7 ? "val" : "train",
      soma: null,
      labels: { family },
    };
  });
}

/** The dataset for one normalisation, created and voxelised once. */
async function familiesDataset(
  families: string,
  out: string,
  normalisation: Normalisation,
  grid: number,
  onProgress: OnProgress,
): Promise<Dataset | null> {
  const dir = path.join(out, `data-${normalisation}`);
  if (!fs.existsSync(path.join(dir, "dataset.json"))) {
    createDataset(dir, familyRows(families), {
      description: `NeuroMorpho families from ${families}, ${normalisation === "shape" ? "per-shape" : "dataset-wide"} normalisation`,
    });
    // Unsupervised: the range may come from every neuron; labels are not used.
    if (normalisation === "dataset") computeDatasetRange(dir, { splits: ["train", "val"] });
  }
  const r = await buildCache(dir, { sizes: [grid], workers: 2, onProgress });
  if (r.stopped) return null;
  if (r.failed.length > 0)
    throw new WorkbenchError(`${dir}: ${r.failed.length} neurons could not be voxelised, e.g. ${r.failed[0]!.id}: ${r.failed[0]!.message}`);
  return openDataset(dir);
}

export const benchCommand = command({
  name: "bench:evaluate-families",
  summary: "train, embed and evaluate on the NeuroMorpho families (needs ../shared)",
  options: {
    families: {
      type: "string",
      placeholder: "dir",
      description: "folder with the SWC files and labels.csv (file, family)",
      default: path.join(projectRoot(), "..", "shared", "data", "swc", "families"),
    },
    configs: {
      type: "strings",
      description: "configurations to train and compare",
      choices: Object.keys(CONFIGS),
      default: Object.keys(CONFIGS),
    },
    iterations: { type: "integer", description: "training steps instead of each configuration's (a quick check of the bench)", min: 2 },
    seeds: { type: "integer", description: "untrained networks per pooling", default: 3, min: 0 },
    folds: { type: "integer", description: "cross-validation folds", default: 5, min: 2 },
    k: { type: "integer", description: "neighbours of k-NN", default: 10, min: 1 },
    out: {
      type: "string",
      placeholder: "dir",
      description: "where datasets, runs, embeddings and tables go",
      default: "results/bench/families",
    },
  },
  async run({ values: v, name }) {
    if (!fs.existsSync(path.join(v.families, "labels.csv"))) {
      console.error(
        `${name}: needs the NeuroMorpho families of the shared folder (${v.families}/labels.csv not found); pass --families <dir>. Nothing to do.`,
      );
      return EXIT.done;
    }
    const engine = await initEngine({ quiet: true });
    console.error(engine.message);
    const stop = listenForStop(name, "at the next safe point (what is done is kept)");
    const bar = cliProgress();
    const onProgress: OnProgress = (e) => {
      bar(e);
      return !stop.requested;
    };
    try {
      const tables: Array<EmbeddingInput & { normalisation: Normalisation }> = [];
      const datasets = new Map<Normalisation, Dataset>();
      const timings: string[] = [];
      let architecture: { grid: number; baseChannels: number } | undefined;
      for (const config of v.configs) {
        const c = CONFIGS[config]!;
        const options = resolveTrainOptions(c.preset, { ...c.overrides, iterations: v.iterations ?? c.overrides?.iterations });
        architecture = { grid: options.grid, baseChannels: options.baseChannels };
        const ds = datasets.get(c.normalisation) ?? (await familiesDataset(v.families, v.out, c.normalisation, options.grid, onProgress));
        if (!ds) return EXIT.stopped;
        datasets.set(c.normalisation, ds);
        const runName = v.iterations ? `${config}-i${v.iterations}` : config;
        const runDir = path.join(v.out, "runs", runName);
        const resume = fs.existsSync(path.join(runDir, "checkpoints", "last"));
        const trainer = resume ? Trainer.resume(ds, runDir) : Trainer.create(ds, runDir, options);
        const timing = path.join(runDir, "bench-time.json");
        const spent = fs.existsSync(timing)
          ? (JSON.parse(fs.readFileSync(timing, "utf8")) as { cpu: number; wall: number })
          : { cpu: 0, wall: 0 };
        const cpu0 = process.cpuUsage();
        const wall0 = performance.now();
        try {
          if (!trainer.done) {
            const summary = await trainer.run(onProgress);
            const u = process.cpuUsage(cpu0);
            spent.cpu += (u.user + u.system) / 1e6;
            spent.wall += (performance.now() - wall0) / 1000;
            fs.writeFileSync(timing, JSON.stringify(spent));
            if (summary.stopped) return EXIT.stopped;
          }
        } finally {
          trainer.dispose();
        }
        const best = trainer.best.f1;
        timings.push(
          `${runName}: ${options.iterations} steps of ${c.preset} (grid ${options.grid}, base ${options.baseChannels}, batch ${options.batchSize}) in ${(spent.cpu / 60).toFixed(1)} CPU min, ${(spent.wall / 60).toFixed(1)} min wall; best validation F1 ${best ? `${best.value.toFixed(3)} at step ${best.iteration}` : "-"}`,
        );
        const { autoencoder } = loadCheckpoint(runDir);
        try {
          for (const pooling of POOLINGS) {
            const stem = path.join(v.out, "embeddings", `${runName}-${pooling}`);
            if (!fs.existsSync(embeddingFiles(stem).npy)) {
              const r = await embedDataset(autoencoder.encoder, ds, options.grid, stem, { pooling, onProgress });
              if (!r.complete) return EXIT.stopped;
            }
            tables.push({ name: `${runName} (${pooling})`, table: readEmbeddingTable(stem), normalisation: c.normalisation });
          }
        } finally {
          disposeAutoencoder(autoencoder);
        }
      }
      // One table: all embeddings and the measured baselines once; the untrained network on the grids of each normalisation.
      let merged: Evaluation | undefined;
      for (const [normalisation, ds] of datasets) {
        const ev = await evaluateEmbeddings(ds, merged ? [] : tables, {
          labels: ["family"],
          folds: v.folds,
          k: v.k,
          architecture,
          randomSeeds: v.seeds,
          pooling: [...POOLINGS] as Pooling[],
          workDir: path.join(v.out, "baselines"),
          measuredBaselines: !merged,
          onProgress,
        });
        if (!ev) return EXIT.stopped;
        const untrained = new Set(ev.rows.filter((r) => r.spread === "seeds").map((r) => r.features));
        for (const r of ev.rows) if (untrained.has(r.features)) r.features = `${r.features}, ${normalisation} grids`;
        for (const f of ev.featureSets) if (untrained.has(f.name)) f.name = `${f.name}, ${normalisation} grids`;
        if (!merged) merged = ev;
        else {
          // This dataset's untrained rows go after the first one's; the rest is already there.
          const random = ev.rows.filter((r) => r.spread === "seeds");
          const after = merged.rows.map((r) => r.spread).lastIndexOf("seeds") + 1;
          merged.rows.splice(after, 0, ...random);
          const names = new Set(random.map((r) => r.features));
          merged.featureSets.push(...ev.featureSets.filter((f) => names.has(f.name)));
          merged.warnings.push(...ev.warnings);
        }
      }
      if (!merged) return EXIT.done;
      const files = writeEvaluation(merged, v.out);
      process.stdout.write(`${timings.join("\n")}\n\n${formatEvaluation(merged)}\n→ ${files.csv}, ${files.json}\n`);
      return EXIT.done;
    } finally {
      stop.release();
    }
  },
});

if (require.main === module) main(benchCommand);
