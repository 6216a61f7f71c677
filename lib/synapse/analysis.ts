import { adjustedRandIndex, elbow, kmeans, standardize, tsne, umap } from "../analysis";
import type { ElbowPoint, Matrix } from "../analysis";
import { ConfigError, type OnProgress } from "../core";
import type { FeatureTable } from "./features";

export interface SynapseAnalysisOptions {
  /** Clusters of the final k-means (default 10, as the original; at most the number of synapses). */
  k?: number;
  /** ks of the elbow and silhouette curves (default 2..12, limited by the number of synapses). */
  ks?: number[];
  /** Seed of UMAP, k-means and t-SNE (default 42). */
  seed?: number;
  /** UMAP neighbours (default 15, fewer when there are few synapses). */
  nNeighbors?: number;
  /** t-SNE perplexity (default 30, lowered for small sets). */
  perplexity?: number;
  /** Also compute t-SNE 2D and 3D (default true). */
  tsne?: boolean;
  /** Column holding the known type, if the data carry one (default "true_type"). */
  trueTypeColumn?: string;
  onProgress?: OnProgress;
}

export interface SynapseAnalysis {
  /** `${bbox}/${Var1}` of each row. */
  ids: string[];
  boxes: string[];
  standardized: Matrix;
  umap2d: Matrix;
  tsne2d: Matrix | null;
  tsne3d: Matrix | null;
  k: number;
  clusters: Int32Array;
  elbow: ElbowPoint[];
  /** Per cluster, the row nearest its centroid (a representative synapse). */
  representatives: number[];
  trueTypes: string[] | null;
  /** Adjusted Rand index of the clusters against the known types (when known). */
  ari: number | null;
  /**
   * The same with k = the number of known types: ARI punishes splitting a type
   * into several clusters, so this says how well the types separate at all.
   */
  ariAtTypeCount: { k: number; ari: number } | null;
}

export function synapseId(meta: Record<string, string>): string {
  return `${meta.bbox ?? ""}/${meta.Var1 ?? ""}`;
}

/**
 * The synapse analysis (docs/synapses.md, "Analysis and figures"): standardise the features, UMAP 2D, elbow and
 * silhouette over k, k-means with the chosen k, t-SNE 2D and 3D, and the
 * adjusted Rand index against known types when the table has them.
 */
export async function analyseSynapseFeatures(table: FeatureTable, options: SynapseAnalysisOptions = {}): Promise<SynapseAnalysis> {
  const n = table.rows.length;
  if (n < 4) throw new ConfigError(`synapse analysis: needs at least 4 synapses with features, found ${n}`);
  const seed = options.seed ?? 42;
  const cols = table.rows[0]!.features.length;
  const data = new Float64Array(n * cols);
  table.rows.forEach((r, i) => data.set(r.features, i * cols));
  const { data: standardized } = standardize({ rows: n, cols, data });
  const step = (label: string, done: number) => options.onProgress?.({ done, total: 5, label });
  step("UMAP", 0);
  const umap2d = await umap(standardized, { seed, nNeighbors: Math.min(options.nNeighbors ?? 15, n - 1) });
  step("elbow", 1);
  const ks = (options.ks ?? Array.from({ length: 11 }, (_, i) => i + 2)).filter((k) => k >= 1 && k < n);
  const curve = elbow(standardized, ks, { seed });
  const k = Math.min(options.k ?? 10, n);
  step("k-means", 2);
  const km = kmeans(standardized, k, { seed });
  const representatives: number[] = [];
  for (let c = 0; c < k; c++) {
    let best = -1;
    let bestD = Infinity;
    for (let i = 0; i < n; i++) {
      if (km.labels[i] !== c) continue;
      let d = 0;
      for (let j = 0; j < cols; j++) d += (standardized.data[i * cols + j]! - km.centroids.data[c * cols + j]!) ** 2;
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    }
    if (best >= 0) representatives.push(best);
  }
  let tsne2d: Matrix | null = null;
  let tsne3d: Matrix | null = null;
  if (options.tsne ?? true) {
    const perplexity = Math.min(options.perplexity ?? 30, Math.max(2, Math.floor((n - 1) / 3)));
    step("t-SNE 2D", 3);
    tsne2d = (await tsne(standardized, { dims: 2, perplexity, seed })).embedding;
    step("t-SNE 3D", 4);
    tsne3d = (await tsne(standardized, { dims: 3, perplexity, seed })).embedding;
  }
  step("done", 5);
  const column = options.trueTypeColumn ?? "true_type";
  const trueTypes = table.rows.every((r) => (r.meta[column] ?? "") !== "") ? table.rows.map((r) => r.meta[column]!) : null;
  let ariAtTypeCount: SynapseAnalysis["ariAtTypeCount"] = null;
  if (trueTypes) {
    const kTypes = new Set(trueTypes).size;
    if (kTypes >= 2 && kTypes <= n)
      ariAtTypeCount = { k: kTypes, ari: adjustedRandIndex(kmeans(standardized, kTypes, { seed }).labels, trueTypes) };
  }
  return {
    ids: table.rows.map((r) => synapseId(r.meta)),
    boxes: table.rows.map((r) => r.meta.bbox ?? ""),
    standardized,
    umap2d,
    tsne2d,
    tsne3d,
    k,
    clusters: km.labels,
    elbow: curve,
    representatives,
    trueTypes,
    ari: trueTypes ? adjustedRandIndex(km.labels, trueTypes) : null,
    ariAtTypeCount,
  };
}
