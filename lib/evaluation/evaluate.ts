import { ConfigError, type OnProgress, warnOnce, warningCounts, withDefaults, WorkbenchError } from "../core";
import type { Dataset } from "../dataset";
import { DEFAULT_POOLING, type EmbeddingTable, type Pooling } from "../embeddings";
import { checkpointConfig, type AutoencoderConfig } from "../train";
import { embeddingFeatures, type FeatureKind, type FeatureSet } from "./feature-set";
import { labelTask, type LabelKind, type LabelTask } from "./label-task";
import { neuronFeatures } from "./neuron-features";
import { randomWeightFeatures } from "./random-weights";
import { majorityScores, requireFoldsFitK, scoreFeatures, summarise, type Score, type TaskScores } from "./scores";

/** An embedding table to judge, under the name the table shows. */
export interface EmbeddingInput {
  name: string;
  table: EmbeddingTable;
  /** Standardise before k-NN (default false: embeddings are compared as they are, as the thesis does). */
  standardize?: boolean;
}

export interface EvaluateOptions {
  /** Label columns of the dataset's manifest to score against. */
  labels: string[];
  /** Which neurons: a split of the manifest or "all" (default "all"). */
  split?: string;
  /** Label kinds where the guess (guessLabelKind) is not wanted. */
  kinds?: Record<string, LabelKind>;
  /** Cross-validation folds (default 5). */
  folds?: number;
  /** Neighbours of k-NN (default 10). */
  k?: number;
  /** Seed of the folds (default 42). */
  seed?: number;
  /** Inverse L2 strength of the linear probe (default 1, sklearn's default). */
  c?: number;
  /** A run or checkpoint whose architecture the random-weights baseline copies. */
  checkpoint?: string;
  /** Or the architecture itself (grid, base channels). Without either there is no random-weights baseline. */
  architecture?: AutoencoderConfig;
  /** Untrained networks per pooling, seeds 1..n (default 3; 0 leaves the baseline out). */
  randomSeeds?: number;
  /** Poolings of the random-weights baseline, one baseline each (default ["channel-max"]). */
  pooling?: Pooling[];
  /** Folder for the baselines' files (random-weights tables, measured features), reused and resumed on the next call; required for the random-weights baseline. */
  workDir?: string;
  /** Grid whose occupied voxels are the size of point clouds (default the architecture's, else 64). */
  grid?: number;
  /** Sholl step for skeletons, in the files' units (default 10). */
  shollStep?: number;
  /** Leave out, with a warning, labels that cannot be scored (classes too small for the folds, folds too small for k) instead of failing (default false: a label asked for by name must be scored). */
  skipUnusableLabels?: boolean;
  /** Size-only and morphometric baselines (default true). */
  measuredBaselines?: boolean;
  /** Volumes per encoder call of the random-weights embedding (default 8). */
  batchSize?: number;
  onProgress?: OnProgress;
}

/** One row of the table: one feature set on one label. */
export interface EvaluationRow {
  features: string;
  kind: FeatureKind;
  /** Features per neuron (0 for the majority rule). */
  dim: number;
  label: string;
  labelKind: LabelKind;
  /** Neurons scored. */
  n: number;
  /** Classes kept (0 for continuous labels). */
  classes: number;
  knn?: Score;
  probe?: Score;
  r2?: Score;
  /** What the ± is over: the folds, the seeds of an untrained network (each seed's mean over folds), or nothing (the exact majority rate). */
  spread: "folds" | "seeds" | "none";
  /** Per seed, for the random-weights baseline. */
  perSeed?: TaskScores[];
}

export interface EvaluationLabel {
  column: string;
  kind: LabelKind;
  n: number;
  classes: string[];
  missing: number;
  dropped: Array<{ label: string; count: number }>;
  majority: number;
}

export interface EvaluationFeatureSet {
  name: string;
  kind: FeatureKind;
  dim: number;
  description: string;
  standardize: boolean;
}

export interface Evaluation {
  dataset: string;
  split: string;
  neurons: number;
  settings: {
    folds: number;
    k: number;
    seed: number;
    c: number;
    randomSeeds: number[];
    pooling: Pooling[];
    architecture: AutoencoderConfig | null;
    shollStep: number;
  };
  labels: EvaluationLabel[];
  featureSets: EvaluationFeatureSet[];
  rows: EvaluationRow[];
  /** Warnings raised while evaluating (small classes, missing values, …). */
  warnings: string[];
}

const DEFAULTS = { split: "all", folds: 5, k: 10, seed: 42, c: 1, randomSeeds: 3, shollStep: 10, measuredBaselines: true };

function meanOverSeeds(scores: TaskScores[], key: keyof TaskScores): Score | undefined {
  if (!scores[0]![key]) return undefined;
  return summarise(scores.map((s) => s[key]!.mean));
}

/**
 * Judges embeddings against baselines on one dataset: every embedding given,
 * the same architecture untrained (several seeds, per pooling), size only,
 * classic morphometrics and the majority rule, each scored on every label
 * with the same folds — k-NN accuracy and a linear probe for classes, k-NN
 * regression R² for quantities. Returns null when onProgress asked to stop;
 * the baselines' work is kept in workDir and the next call continues.
 */
export async function evaluateEmbeddings(
  dataset: Dataset,
  embeddings: readonly EmbeddingInput[],
  options: EvaluateOptions,
): Promise<Evaluation | null> {
  const o = withDefaults(DEFAULTS, options);
  if (o.labels.length === 0) throw new ConfigError("evaluate: no label columns given");
  for (const c of o.labels) {
    if (!dataset.info.labelColumns.includes(c))
      throw new ConfigError(
        `evaluate: ${dataset.dir} has no label column "${c}"; its columns are ${dataset.info.labelColumns.join(", ") || "(none)"}`,
      );
  }
  const ids = o.split === "all" ? dataset.ids() : dataset.ids(o.split);
  if (ids.length === 0) throw new ConfigError(`evaluate: no neurons in split "${o.split}" of ${dataset.dir}`);
  const warningsBefore = new Map(warningCounts());
  const tasks: LabelTask[] = [];
  for (const c of o.labels) {
    try {
      const task = labelTask(
        c,
        ids.map((id) => dataset.row(id).labels[c] ?? ""),
        { kind: o.kinds?.[c], folds: o.folds, seed: o.seed },
      );
      requireFoldsFitK(task, o.k);
      tasks.push(task);
    } catch (e) {
      if (!o.skipUnusableLabels || !(e instanceof WorkbenchError)) throw e;
      warnOnce(`${e.message}; left out of the table`);
    }
  }
  if (tasks.length === 0)
    throw new ConfigError(
      `evaluate: none of the labels ${o.labels.join(", ")} can be scored on the ${ids.length} neurons of ${dataset.dir} (see the warnings)`,
    );
  const architecture = o.architecture ?? (o.checkpoint ? checkpointConfig(o.checkpoint) : null);
  const seeds = architecture ? Array.from({ length: o.randomSeeds }, (_, i) => i + 1) : [];
  const poolings = o.pooling ?? [DEFAULT_POOLING];
  if (seeds.length > 0 && !o.workDir)
    throw new ConfigError("evaluate: the random-weights baseline needs a workDir for its embedding tables");

  const sets: FeatureSet[] = embeddings.map((e) => embeddingFeatures(e.name, e.table, ids, { standardize: e.standardize }));
  const randomGroups: Array<{ name: string; description: string; seeds: FeatureSet[] }> = [];
  for (const pooling of seeds.length > 0 ? poolings : []) {
    const group = await randomWeightFeatures(dataset, ids, architecture!, {
      seeds,
      pooling,
      dir: o.workDir!,
      split: o.split,
      batchSize: o.batchSize,
      onProgress: o.onProgress,
    });
    if (!group) return null;
    randomGroups.push({
      name: `random weights (${pooling})`,
      description: `the same network (grid ${architecture!.grid}, base ${architecture!.baseChannels}) untrained, weight seeds ${seeds.join(", ")}, ${pooling} pooling`,
      seeds: group,
    });
  }
  const measured = o.measuredBaselines
    ? await neuronFeatures(dataset, ids, {
        shollStep: o.shollStep,
        grid: o.grid ?? architecture?.grid,
        workDir: o.workDir,
        onProgress: o.onProgress,
      })
    : undefined;
  if (measured === null) return null;
  const baselines = measured ? [measured.size, measured.morphometrics] : [];

  const rows: EvaluationRow[] = [];
  const scoreOptions = { k: o.k, c: o.c };
  for (const task of tasks) {
    const common = { label: task.column, labelKind: task.kind, n: task.rows.length, classes: task.classes.length };
    const scored = (set: FeatureSet): EvaluationRow => ({
      features: set.name,
      kind: set.kind,
      dim: set.x.cols,
      ...common,
      ...scoreFeatures(set, task, scoreOptions),
      spread: "folds",
    });
    rows.push(...sets.map(scored));
    for (const g of randomGroups) {
      const perSeed = g.seeds.map((s) => scoreFeatures(s, task, scoreOptions));
      rows.push({
        features: g.name,
        kind: "baseline",
        dim: g.seeds[0]!.x.cols,
        ...common,
        knn: meanOverSeeds(perSeed, "knn"),
        probe: meanOverSeeds(perSeed, "probe"),
        r2: meanOverSeeds(perSeed, "r2"),
        spread: "seeds",
        perSeed,
      });
    }
    rows.push(...baselines.map(scored));
    rows.push({
      features: "majority class",
      kind: "baseline",
      dim: 0,
      ...common,
      ...majorityScores(task),
      spread: task.kind === "categorical" ? "none" : "folds",
    });
  }

  const featureSets: EvaluationFeatureSet[] = [
    ...sets.map((s) => ({ name: s.name, kind: s.kind, dim: s.x.cols, description: s.description, standardize: s.standardize })),
    ...randomGroups.map((g) => ({
      name: g.name,
      kind: "baseline" as const,
      dim: g.seeds[0]!.x.cols,
      description: g.description,
      standardize: false,
    })),
    ...baselines.map((s) => ({ name: s.name, kind: s.kind, dim: s.x.cols, description: s.description, standardize: s.standardize })),
    {
      name: "majority class",
      kind: "baseline",
      dim: 0,
      description: "always the largest class (for quantities: the training mean)",
      standardize: false,
    },
  ];
  return {
    dataset: dataset.dir,
    split: o.split,
    neurons: ids.length,
    settings: {
      folds: o.folds,
      k: o.k,
      seed: o.seed,
      c: o.c,
      randomSeeds: seeds,
      pooling: seeds.length > 0 ? poolings : [],
      architecture,
      shollStep: o.shollStep,
    },
    labels: tasks.map((t) => ({
      column: t.column,
      kind: t.kind,
      n: t.rows.length,
      classes: t.classes,
      missing: t.missing,
      dropped: t.dropped,
      majority: t.majority,
    })),
    featureSets,
    rows,
    warnings: [...warningCounts()].filter(([w, n]) => n > (warningsBefore.get(w) ?? 0)).map(([w]) => w),
  };
}
