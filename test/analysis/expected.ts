import * as fs from "node:fs";
import * as path from "node:path";

/** Numbers computed by sklearn for the analysis tests (test/fixtures/analysis/make_expected.py). */
export const EXPECTED = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../fixtures/analysis/expected.json"), "utf8")) as {
  X: number[][];
  Y: number[][];
  blob: number[];
  layer: string[];
  standardized: number[][];
  mean: number[];
  scale: number[];
  silhouette_blob: number;
  silhouette_layer: number;
  kmeans_inertia: number;
  kmeans_labels: number[];
  ari: { a: (number | string)[]; b: (number | string)[]; value: number }[];
  trustworthiness: Record<string, number>;
  knn_preservation: Record<string, number>;
  stratified_folds: number[];
  knn_accuracy: Record<string, number[]>;
  pca_explained_variance: number[];
  pca_components: number[][];
  tsne_trustworthiness: Record<string, number>;
};
