import { knnAccuracy, mapQuality, selectRows, tsne, umap, type KnnAccuracy, type MapQuality, type Matrix } from "../analysis";
import type { OnProgress } from "../core";
import type { EmbeddingTable } from "../embeddings";
import { categoricalMap, continuousMap, type Figure } from "../viz";

export const MAP_METHODS = ["tsne", "umap"] as const;
export type MapMethod = (typeof MAP_METHODS)[number];

/** How each method is written in titles and hover text. */
export const MAP_METHOD_TITLES: Record<MapMethod, string> = { tsne: "t-SNE", umap: "UMAP" };

/** What decides a map's coordinates: the same settings on the same table give the same map. */
export interface MapSettings {
  method: MapMethod;
  dims: 2 | 3;
  seed: number;
  /** t-SNE only. */
  perplexity?: number;
  /** UMAP only. */
  neighbours?: number;
}

/**
 * The settings a map of `n` points is computed with: the perplexity and the
 * neighbour count asked for, lowered where a small set cannot have them
 * (perplexity below (n − 1)/3, as sklearn needs; fewer neighbours than points).
 */
export function mapSettings(
  method: MapMethod,
  n: number,
  options: { dims?: 2 | 3; seed?: number; perplexity?: number; neighbours?: number } = {},
): MapSettings {
  const common = { method, dims: options.dims ?? 2, seed: options.seed ?? 42 };
  if (method === "tsne") return { ...common, perplexity: Math.min(options.perplexity ?? 30, Math.floor((n - 1) / 3)) };
  return { ...common, neighbours: Math.min(options.neighbours ?? 15, n - 1) };
}

/** One map of the points; `stopped` when onProgress asked to stop (the map is then unfinished). */
export async function computeMap(
  x: Matrix,
  settings: MapSettings,
  onProgress?: OnProgress,
): Promise<{ embedding: Matrix; stopped: boolean }> {
  if (settings.method === "tsne") {
    const r = await tsne(x, { dims: settings.dims, perplexity: settings.perplexity, seed: settings.seed, onProgress });
    return { embedding: r.embedding, stopped: r.stopped };
  }
  let stopped = false;
  const embedding = await umap(x, {
    nComponents: settings.dims,
    nNeighbors: settings.neighbours,
    seed: settings.seed,
    onProgress: (e) => {
      const go = onProgress?.(e);
      if (go === false) stopped = true;
      return go;
    },
  });
  return { embedding, stopped };
}

/** Neighbourhood size of the map-quality scores: 10, or less than n/2 for small sets (trustworthiness needs k < n/2). */
export function qualityK(n: number): number {
  return Math.min(10, Math.ceil(n / 2) - 1);
}

/**
 * A label column is continuous (a colour bar) when every value it has is a
 * number, as plotly express decides; otherwise categorical (a legend).
 */
export function labelKind(values: readonly string[]): "categorical" | "continuous" {
  const present = values.filter((v) => v !== "");
  return present.length > 0 && present.every((v) => Number.isFinite(Number(v))) ? "continuous" : "categorical";
}

/**
 * Cross-validated k-NN accuracy of `x` against a categorical label, over the
 * points that have one; null when there are not two classes to tell apart.
 * Small sets (the demo, tests) have classes of a few neurons: as many folds
 * as the largest class allows, up to sklearn's usual 5.
 */
export function labelAccuracy(x: Matrix, labels: readonly string[], seed: number): KnnAccuracy | null {
  const labelled = labels.flatMap((v, i) => (v === "" ? [] : [i]));
  const counts = new Map<string, number>();
  for (const i of labelled) counts.set(labels[i]!, (counts.get(labels[i]!) ?? 0) + 1);
  const folds = Math.min(5, Math.max(0, ...counts.values()));
  if (folds < 2 || counts.size < 2) return null;
  const points = labelled.length === labels.length ? x : selectRows(x, labelled);
  const k = Math.min(5, labelled.length - Math.ceil(labelled.length / folds));
  return knnAccuracy(
    points,
    labelled.map((i) => labels[i]!),
    { seed, folds, k },
  );
}

/**
 * A map coloured by one column of the table (a label column or "split"):
 * a legend for categories, a colour bar for numbers (soma depth reversed, so
 * the pia gets the top colour).
 */
export function mapFigure(map: Matrix, table: EmbeddingTable, column: string, options: { method: string; title: string }): Figure {
  const values = column === "split" ? table.splits : table.labels[column]!;
  const common = { title: options.title, ids: table.ids, colorName: column, method: options.method };
  if (labelKind(values) === "categorical") return categoricalMap(map, values, common);
  return continuousMap(
    map,
    values.map((v) => (v === "" ? null : Number(v))),
    { ...common, reverseScale: column === "depth" },
  );
}

/** The points of a table as a matrix (sharing its values). */
export function tableMatrix(table: EmbeddingTable): Matrix {
  return { rows: table.ids.length, cols: table.dim, data: table.values };
}

export interface EmbeddingMapsOptions {
  /** t-SNE perplexity (default 30; the thesis maps use 300 on 41k neurons). */
  perplexity?: number;
  /** Seed of t-SNE and UMAP (default 42, as the thesis). */
  seed?: number;
  /** UMAP too (default true). */
  umap?: boolean;
  /** Categorical label columns to colour by and to score k-NN accuracy against (default: those present of layer, class). */
  categorical?: string[];
  /** A continuous label column to colour by (default "depth" when present). */
  continuous?: string;
  /** Name of the model, for titles. */
  name?: string;
  onProgress?: OnProgress;
}

export interface EmbeddingMaps {
  maps: Record<string, Matrix>;
  /** Trustworthiness and k-NN preservation (k = 10) of each map. */
  quality: Record<string, MapQuality>;
  /** Cross-validated k-NN accuracy of the embedding itself against each categorical label. */
  knn: Record<string, KnnAccuracy>;
  figures: Record<string, Figure>;
}

/**
 * The maps of docs/embeddings.md ("Maps") for one embedding table, in memory: t-SNE
 * (and UMAP), their quality numbers, how well the embedding predicts the
 * labels, and scatter plots coloured by each label. writeEmbeddingMaps is the
 * same as files, for `npm run maps`.
 */
export async function embeddingMaps(table: EmbeddingTable, options: EmbeddingMapsOptions = {}): Promise<EmbeddingMaps> {
  const n = table.ids.length;
  const x = tableMatrix(table);
  const seed = options.seed ?? 42;
  const categorical = options.categorical ?? ["layer", "class"].filter((c) => c in table.labels);
  const continuous = options.continuous ?? ("depth" in table.labels ? "depth" : undefined);
  const name = options.name ? `${options.name}: ` : "";

  const methods: MapMethod[] = (options.umap ?? true) ? ["tsne", "umap"] : ["tsne"];
  const maps: Record<string, Matrix> = {};
  for (const method of methods) {
    maps[MAP_METHOD_TITLES[method]] = (
      await computeMap(x, mapSettings(method, n, { seed, perplexity: options.perplexity }), options.onProgress)
    ).embedding;
  }
  const names = Object.keys(maps);
  const q = mapQuality(
    x,
    names.map((m) => maps[m]!),
    { k: qualityK(n) },
  );
  const quality = Object.fromEntries(names.map((m, i) => [m, q[i]!]));

  const knn: Record<string, KnnAccuracy> = {};
  for (const c of categorical) {
    const a = labelAccuracy(x, table.labels[c]!, seed);
    if (a) knn[c] = a;
  }

  const figures: Record<string, Figure> = {};
  for (const m of names) {
    for (const c of [...categorical, ...(continuous ? [continuous] : [])]) {
      figures[`${m}_${c}`] = mapFigure(maps[m]!, table, c, { method: m, title: `${name}${m} coloured by ${c}` });
    }
  }
  return { maps, quality, knn, figures };
}
