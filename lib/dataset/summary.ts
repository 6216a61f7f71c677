import { cachedSizes } from "./build";
import { openDataset } from "./dataset";
import type { DatasetInfo } from "./manifest";
import { compareSplits } from "./splits";

/** A label column at a glance: categories with their counts, or a numeric range. */
export type LabelSummary =
  | {
      column: string;
      kind: "categorical";
      /** Distinct non-empty values. */
      classes: number;
      /** The most frequent values with their counts (all of them when there are few), most frequent first. */
      top: Array<{ value: string; count: number }>;
      /** Neurons whose value is not in `top`. */
      others: number;
      /** Neurons without a value. */
      missing: number;
    }
  | { column: string; kind: "numeric"; count: number; min: number; median: number; max: number; missing: number };

export interface DatasetSummary {
  dir: string;
  neurons: number;
  /** Neurons per split: train, val, test first, then any other split, by name. */
  splits: Array<{ split: string; neurons: number }>;
  labels: LabelSummary[];
  /** Each grid size the cache has a folder for, with how many neurons have it. */
  grids: Array<{ size: number; complete: number; missing: number }>;
  centre: DatasetInfo["centre"];
  normalisation: DatasetInfo["normalisation"];
  points: number;
  seed: number;
  npzScale: number;
  splitRule?: string;
  description?: string;
}

/** Categorical columns with more classes than this show only their most frequent ones. */
const ALL_CLASSES_UP_TO = 8;
const TOP = 5;

function summariseLabel(column: string, values: readonly string[]): LabelSummary {
  const present = values.filter((v) => v !== "");
  const missing = values.length - present.length;
  const numbers = present.map(Number);
  if (present.length > 0 && numbers.every(Number.isFinite)) {
    const sorted = Float64Array.from(numbers).sort();
    const mid = sorted.length >> 1;
    const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
    return { column, kind: "numeric", count: present.length, min: sorted[0]!, median, max: sorted[sorted.length - 1]!, missing };
  }
  const counts = new Map<string, number>();
  for (const v of present) counts.set(v, (counts.get(v) ?? 0) + 1);
  const ranked = [...counts].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));
  const top = ranked.length <= ALL_CLASSES_UP_TO ? ranked : ranked.slice(0, TOP);
  const others = present.length - top.reduce((a, t) => a + t.count, 0);
  return { column, kind: "categorical", classes: ranked.length, top, others, missing };
}

/** What a dataset directory holds: neurons per split, labels, cached grids, normalisation. */
export function summariseDataset(dir: string): DatasetSummary {
  const ds = openDataset(dir);
  const perSplit = new Map<string, number>();
  for (const r of ds.rows) perSplit.set(r.split, (perSplit.get(r.split) ?? 0) + 1);
  const splits = [...perSplit].map(([split, neurons]) => ({ split, neurons })).sort((a, b) => compareSplits(a.split, b.split));
  const grids = cachedSizes(dir).map((size) => {
    const complete = ds.rows.filter((r) => ds.hasGrid(r.id, size)).length;
    return { size, complete, missing: ds.rows.length - complete };
  });
  const { centre, normalisation, points, seed, npzScale, splitRule, description } = ds.info;
  return {
    dir,
    neurons: ds.rows.length,
    splits,
    labels: ds.info.labelColumns.map((c) =>
      summariseLabel(
        c,
        ds.rows.map((r) => r.labels[c] ?? ""),
      ),
    ),
    grids,
    centre,
    normalisation,
    points,
    seed,
    npzScale,
    ...(splitRule === undefined ? {} : { splitRule }),
    ...(description === undefined ? {} : { description }),
  };
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The summary as the lines `dataset info` prints. */
export function formatDatasetSummary(s: DatasetSummary): string {
  const lines = [`${s.dir}: ${count(s.neurons, "neuron")} (${s.splits.map((x) => `${x.split} ${x.neurons}`).join(", ")})`];
  if (s.description) lines.push(`  from: ${s.description}`);
  if (s.splitRule) lines.push(`  splits: ${s.splitRule}`);
  const norm = s.normalisation === "shape" ? "per shape" : `dataset-wide, [${s.normalisation.min}, ${s.normalisation.max}]`;
  lines.push(
    `  centre ${s.centre}; normalisation ${norm}; ${s.points} points sampled per SWC/PLY-mesh neuron (seed ${s.seed}); .npz scale ${s.npzScale}`,
  );
  lines.push(s.labels.length === 0 ? "  labels: none" : "  labels:");
  for (const l of s.labels) {
    const missing = l.missing > 0 ? `; ${l.missing} without a value` : "";
    if (l.kind === "numeric") {
      lines.push(`    ${l.column} (numeric, ${l.count} values): min ${l.min}, median ${l.median}, max ${l.max}${missing}`);
    } else {
      const others = l.others > 0 ? `, ${count(l.classes - l.top.length, "other class", "other classes")} (${l.others})` : "";
      lines.push(
        `    ${l.column} (${count(l.classes, "class", "classes")}): ${l.top.map((t) => `${t.value} ${t.count}`).join(", ")}${others}${missing}`,
      );
    }
  }
  if (s.grids.length === 0) lines.push("  cached grids: none");
  for (const g of s.grids) lines.push(`  cached grids ${g.size}³: ${g.complete} complete${g.missing > 0 ? `, ${g.missing} missing` : ""}`);
  return lines.join("\n");
}
