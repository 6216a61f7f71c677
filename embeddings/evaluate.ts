/**
 * `evaluate`: judges embedding tables against baselines on a dataset — the
 * same network untrained (when --checkpoint names the architecture), size
 * only, classic morphometrics and the majority class — with k-NN accuracy and
 * a linear probe per class label, k-NN R² per continuous label, and writes
 * the one table as CSV and JSON.
 */
import * as path from "node:path";
import { cliProgress } from "../lib/core";
import { command, EXIT, listenForStop, main, UsageError } from "../lib/cli";
import { openDataset } from "../lib/dataset";
import { embeddingFiles, POOLINGS, readEmbeddingTable } from "../lib/embeddings";
import type { Pooling } from "../lib/embeddings";
import { initEngine } from "../lib/engine";
import { evaluateEmbeddings, formatEvaluation, writeEvaluation } from "../lib/evaluation";
import type { EmbeddingInput, LabelKind } from "../lib/evaluation";

/** `name=path` or a bare path (named after its file). */
function embeddingInputs(items: string[], standardize: boolean): EmbeddingInput[] {
  const seen = new Set<string>();
  return items.map((item) => {
    const eq = item.indexOf("=");
    const file = eq > 0 ? item.slice(eq + 1) : item;
    const name = eq > 0 ? item.slice(0, eq) : path.basename(embeddingFiles(file).stem);
    if (seen.has(name)) throw new UsageError(`--embeddings: two tables are named "${name}"; name them with name=path`);
    seen.add(name);
    return { name, table: readEmbeddingTable(file), standardize };
  });
}

export const evaluateCommand = command({
  name: "evaluate",
  summary: "score embedding tables against baselines (untrained network, size, morphometrics, majority) per label",
  description:
    "For each label column: k-NN accuracy and a linear probe (L2 logistic regression, features standardised within the training folds) for classes,\n" +
    "k-NN regression R² for quantities, all on the same stratified folds. Classes with fewer neurons than folds are left out, with a warning.\n" +
    "Writes <out>/evaluation.csv and <out>/evaluation.json; the baselines' work (untrained embeddings, measured features) is kept in\n" +
    "<out>/baselines, so a stopped run continues and a second run reuses it.",
  options: {
    embeddings: {
      type: "strings",
      placeholder: "table,name=table,…",
      description: "embedding tables (from embed), each a path or name=path",
      required: true,
    },
    data: {
      type: "string",
      placeholder: "dataset dir",
      description: "the dataset the tables embed (labels and source files)",
      required: true,
    },
    label: { type: "strings", placeholder: "column,…", description: "label columns of the manifest to score", required: true },
    checkpoint: {
      type: "string",
      placeholder: "run dir",
      description: "a run or checkpoint: the untrained baseline copies its architecture (without it there is none)",
    },
    folds: { type: "integer", description: "cross-validation folds", default: 5, min: 2 },
    k: { type: "integer", description: "neighbours of k-NN", default: 10, min: 1 },
    seeds: { type: "integer", description: "untrained networks (weight seeds 1..n) per pooling", default: 3, min: 0 },
    pooling: {
      type: "strings",
      description: "poolings of the untrained baseline, one baseline each",
      choices: POOLINGS,
      default: ["channel-max"],
    },
    split: { type: "string", description: "neurons to evaluate: a split of the manifest or all", default: "all" },
    continuous: {
      type: "strings",
      placeholder: "column,…",
      description: "label columns to score as quantities (R²) whatever they look like",
    },
    categorical: { type: "strings", placeholder: "column,…", description: "label columns to score as classes whatever they look like" },
    seed: { type: "integer", description: "seed of the folds", default: 42, min: 0 },
    c: { type: "number", description: "inverse L2 strength of the linear probe (sklearn's C)", default: 1 },
    standardize: { type: "boolean", description: "standardise the embeddings too before k-NN (baselines always are)" },
    shollStep: { type: "number", description: "distance between Sholl spheres for SWC neurons, in the files' units", default: 10 },
    grid: { type: "integer", description: "grid whose occupied voxels measure point clouds (default: the checkpoint's, else 64)", min: 8 },
    out: {
      type: "string",
      placeholder: "dir",
      description: "folder for evaluation.csv, evaluation.json and baselines/",
      default: "results/evaluation",
    },
  },
  examples: [
    "npm run evaluate -- --embeddings results/embeddings/tiny --data results/data/neurons --label class --checkpoint results/runs/tiny",
    "npm run evaluate -- --embeddings trained=runs/fam/emb,global=runs/fam/emb-gmax --data data/families --label family --checkpoint runs/fam --pooling channel-max,global-max",
  ],
  async run({ values: v, name }) {
    const kinds: Record<string, LabelKind> = {};
    for (const c of v.continuous ?? []) kinds[c] = "continuous";
    for (const c of v.categorical ?? []) {
      if (c in kinds) throw new UsageError(`--continuous and --categorical both name "${c}"`);
      kinds[c] = "categorical";
    }
    const dataset = openDataset(v.data);
    const embeddings = embeddingInputs(v.embeddings, v.standardize ?? false);
    if (v.checkpoint && v.seeds > 0) console.error((await initEngine({ quiet: true })).message);
    const stop = listenForStop(name, "after this neuron (the baselines' work so far is kept)");
    const bar = cliProgress();
    let ev: Awaited<ReturnType<typeof evaluateEmbeddings>>;
    try {
      ev = await evaluateEmbeddings(dataset, embeddings, {
        labels: v.label,
        split: v.split,
        kinds,
        folds: v.folds,
        k: v.k,
        seed: v.seed,
        c: v.c,
        checkpoint: v.checkpoint,
        randomSeeds: v.seeds,
        pooling: v.pooling as Pooling[],
        workDir: path.join(v.out, "baselines"),
        grid: v.grid,
        shollStep: v.shollStep,
        onProgress: (e) => {
          bar(e);
          return !stop.requested;
        },
      });
    } finally {
      stop.release();
    }
    if (!ev) {
      console.error(`stopped; the baselines' work so far is in ${path.join(v.out, "baselines")}`);
      return EXIT.stopped;
    }
    const files = writeEvaluation(ev, v.out);
    process.stdout.write(formatEvaluation(ev));
    console.log(`\n→ ${files.csv}, ${files.json}`);
    return EXIT.done;
  },
});

if (require.main === module) main(evaluateCommand);
