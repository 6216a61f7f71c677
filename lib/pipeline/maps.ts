import { knnAccuracy, mapQuality, tsne, umap, type KnnAccuracy, type MapQuality, type Matrix } from "../analysis";
import type { OnProgress } from "../core";
import type { EmbeddingTable } from "../embeddings";
import { categoricalMap, continuousMap, type Figure } from "../viz";

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
 * The maps of SPEC.md "Embeddings" for one embedding table: t-SNE (and
 * UMAP), their quality numbers, how well the embedding predicts the labels,
 * and scatter plots coloured by each label.
 */
export async function embeddingMaps(table: EmbeddingTable, options: EmbeddingMapsOptions = {}): Promise<EmbeddingMaps> {
  const n = table.ids.length;
  const x: Matrix = { rows: n, cols: table.dim, data: table.values };
  const seed = options.seed ?? 42;
  const perplexity = Math.min(options.perplexity ?? 30, Math.floor((n - 1) / 3));
  const categorical = options.categorical ?? ["layer", "class"].filter((c) => c in table.labels);
  const continuous = options.continuous ?? ("depth" in table.labels ? "depth" : undefined);
  const name = options.name ? `${options.name}: ` : "";

  const maps: Record<string, Matrix> = { "t-SNE": (await tsne(x, { perplexity, seed, onProgress: options.onProgress })).embedding };
  if (options.umap ?? true) maps.UMAP = await umap(x, { seed, nNeighbors: Math.min(15, n - 1) });
  const names = Object.keys(maps);
  // Trustworthiness is defined for k < n/2; small data sets get a smaller k.
  const q = mapQuality(x, names.map((m) => maps[m]!), { k: Math.min(10, Math.ceil(n / 2) - 1) });
  const quality = Object.fromEntries(names.map((m, i) => [m, q[i]!]));

  // Small data sets (the demo, tests) have classes of a few neurons: use as
  // many folds as the largest class allows, up to sklearn's usual 5.
  const knn: Record<string, KnnAccuracy> = {};
  for (const c of categorical) {
    const counts = new Map<string, number>();
    for (const v of table.labels[c]!) counts.set(v, (counts.get(v) ?? 0) + 1);
    const folds = Math.min(5, Math.max(...counts.values()));
    if (folds >= 2 && counts.size >= 2) knn[c] = knnAccuracy(x, table.labels[c]!, { seed, folds });
  }

  const figures: Record<string, Figure> = {};
  for (const m of names) {
    for (const c of categorical) {
      figures[`${m}_${c}`] = categoricalMap(maps[m]!, table.labels[c]!, { title: `${name}${m} coloured by ${c}`, ids: table.ids, colorName: c, method: m });
    }
    if (continuous) {
      const values = table.labels[continuous]!.map((v) => (v === "" ? null : Number(v)));
      figures[`${m}_${continuous}`] = continuousMap(maps[m]!, values, { title: `${name}${m} coloured by ${continuous}`, ids: table.ids, colorName: continuous, method: m, reverseScale: continuous === "depth" });
    }
  }
  return { maps, quality, knn, figures };
}
