import { WorkbenchError } from "../core";
import type { Matrix } from "../analysis";
import { embeddingColumn, type EmbeddingTable } from "../embeddings";

/** Where a set of features came from: an embedding under test, or a baseline to beat. */
export type FeatureKind = "embedding" | "baseline";

/**
 * One vector per neuron of the evaluation, rows in the evaluation's id order.
 * Features in different units (counts next to µm) are standardised before
 * k-NN, within the training folds; the linear probe always standardises.
 */
export interface FeatureSet {
  name: string;
  kind: FeatureKind;
  /** What the features are, for the table's notes. */
  description: string;
  /** Feature names (emb_1.. for embeddings). */
  columns: string[];
  x: Matrix;
  /** Standardise before k-NN (within the training folds). */
  standardize: boolean;
}

/**
 * The rows of an embedding table for `ids`, in that order, as a FeatureSet.
 * Every id must be in the table; extra rows (other splits) are left out.
 */
export function embeddingFeatures(
  name: string,
  table: EmbeddingTable,
  ids: readonly string[],
  options: { standardize?: boolean; description?: string } = {},
): FeatureSet {
  const at = new Map(table.ids.map((id, i) => [id, i]));
  const missing = ids.filter((id) => !at.has(id));
  if (missing.length > 0) {
    throw new WorkbenchError(
      `embedding "${name}": ${missing.length} of the ${ids.length} neurons evaluated are not in its table (${missing.slice(0, 5).join(", ")}${missing.length > 5 ? ", …" : ""}); embed the same dataset and split`,
    );
  }
  const d = table.dim;
  const data = new Float32Array(ids.length * d);
  ids.forEach((id, r) => {
    const i = at.get(id)!;
    data.set(table.values.subarray(i * d, (i + 1) * d), r * d);
  });
  return {
    name,
    kind: "embedding",
    description: options.description ?? `${d} values per neuron`,
    columns: Array.from({ length: d }, (_, j) => embeddingColumn(j)),
    x: { rows: ids.length, cols: d, data },
    standardize: options.standardize ?? false,
  };
}
