import * as fs from "node:fs";
import { ConfigError, WorkbenchError } from "../core";
import { type EmbeddingTable, embeddingFiles, readEmbeddingTable, writeEmbeddingTable } from "./table";

/** Shard `index` (0-based) of `count`, from the CLI's `--shard i/N`. */
export interface Shard {
  index: number;
  count: number;
}

/** What `--shard` takes instead of i/N to read the shard from a Slurm job array. */
export const SLURM_SHARD = "slurm";

/**
 * Parses "i/N" (0 ≤ i < N), as given to a cluster job array, or "slurm":
 * then i and N come from the Slurm job array task's environment (slurmShard).
 */
export function parseShard(text: string, env: NodeJS.ProcessEnv = process.env): Shard {
  if (text.trim() === SLURM_SHARD) return slurmShard(env);
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || !(count >= 1) || !(index < count))
    throw new ConfigError(`--shard: expected i/N with 0 <= i < N (e.g. 3/8) or ${SLURM_SHARD}; found "${text}"`);
  return { index, count };
}

function slurmNumber(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const text = env[name];
  if (text === undefined || text.trim() === "") return undefined;
  if (!/^\d+$/.test(text.trim())) throw new ConfigError(`--shard ${SLURM_SHARD}: ${name} should be a whole number; found "${text}"`);
  return Number(text);
}

/**
 * The shard of a Slurm job array task (`sbatch --array=0-7`, or 1-8, or
 * 0-15:4): i = (SLURM_ARRAY_TASK_ID − MIN) / STEP, N = SLURM_ARRAY_TASK_COUNT,
 * or (MAX − MIN) / STEP + 1 when COUNT is absent (MIN 0 and STEP 1 when not
 * set). An array given as a list (`--array=1,5,9`) has no such numbering and
 * is refused.
 */
export function slurmShard(env: NodeJS.ProcessEnv = process.env): Shard {
  const what = `--shard ${SLURM_SHARD}`;
  const id = slurmNumber(env, "SLURM_ARRAY_TASK_ID");
  if (id === undefined)
    throw new ConfigError(
      `${what}: SLURM_ARRAY_TASK_ID is not set, so this is not a task of a Slurm job array (sbatch --array=0-7 …); give --shard i/N instead`,
    );
  const min = slurmNumber(env, "SLURM_ARRAY_TASK_MIN");
  const max = slurmNumber(env, "SLURM_ARRAY_TASK_MAX");
  const step = slurmNumber(env, "SLURM_ARRAY_TASK_STEP") ?? 1;
  if (step < 1) throw new ConfigError(`${what}: SLURM_ARRAY_TASK_STEP should be at least 1; found ${step}`);
  let count = slurmNumber(env, "SLURM_ARRAY_TASK_COUNT");
  if (count === undefined) {
    if (min === undefined || max === undefined)
      throw new ConfigError(
        `${what}: SLURM_ARRAY_TASK_ID is set but neither SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_MAX; give --shard i/N instead`,
      );
    if (max < min) throw new ConfigError(`${what}: SLURM_ARRAY_TASK_MAX ${max} is below SLURM_ARRAY_TASK_MIN ${min}`);
    count = Math.floor((max - min) / step) + 1;
  }
  if (count < 1) throw new ConfigError(`${what}: SLURM_ARRAY_TASK_COUNT should be at least 1; found ${count}`);
  const index = (id - (min ?? 0)) / step;
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new ConfigError(
      `${what}: task SLURM_ARRAY_TASK_ID ${id} is not one of the ${count} tasks numbered from ${min ?? 0} in steps of ${step} ` +
        `(an array given as a list cannot be split this way: use a range such as --array=0-${count - 1}, or --shard i/N)`,
    );
  }
  return { index, count };
}

/** The contiguous slice of `ids` that shard i of N embeds; the N slices cover every id once. */
export function shardIds(ids: readonly string[], shard: Shard): string[] {
  const lo = Math.floor((shard.index * ids.length) / shard.count);
  const hi = Math.floor(((shard.index + 1) * ids.length) / shard.count);
  return ids.slice(lo, hi);
}

/** Where shard i of N writes its table: `<stem>.shard-<i>-of-<N>`. */
export function shardStem(out: string, shard: Shard): string {
  return `${embeddingFiles(out).stem}.shard-${shard.index}-of-${shard.count}`;
}

export interface MergeResult {
  /** True when every expected id is present exactly once and the merged table was written. */
  ok: boolean;
  rows: number;
  /** Shards whose table does not exist (not finished or not run). */
  missingShards: number[];
  /** Expected ids found in no shard. */
  missingIds: string[];
  /** Ids found more than once, with how often. */
  duplicatedIds: Array<{ id: string; count: number }>;
  /** Ids in the shards that were not expected (when expected ids are given). */
  unexpectedIds: string[];
  files?: { csv: string; npy: string; meta: string };
}

/**
 * Joins the N shard tables into `<out>` after checking that no shard is
 * missing, no id appears twice and (when `expectedIds` is given, e.g. the
 * dataset's ids) none is missing. Problems are returned, not thrown; the
 * merged table is written only when there are none. Rows follow
 * `expectedIds` order when given, shard order otherwise.
 */
export function mergeEmbeddingShards(out: string, count: number, expectedIds?: readonly string[]): MergeResult {
  if (!Number.isInteger(count) || count < 1)
    throw new ConfigError(`merge: the number of shards must be a positive integer, found ${count}`);
  const missingShards: number[] = [];
  const tables: EmbeddingTable[] = [];
  for (let index = 0; index < count; index++) {
    const stem = shardStem(out, { index, count });
    const f = embeddingFiles(stem);
    if (!fs.existsSync(f.npy) && !fs.existsSync(f.csv)) missingShards.push(index);
    else tables.push(readEmbeddingTable(stem));
  }
  const result: MergeResult = { ok: false, rows: 0, missingShards, missingIds: [], duplicatedIds: [], unexpectedIds: [] };
  if (tables.length === 0) return result;
  const dim = tables[0]!.dim;
  const labelColumns = Object.keys(tables[0]!.labels);
  for (const t of tables) {
    if (t.dim !== dim)
      throw new WorkbenchError(`merge: shards disagree on the embedding size (${dim} and ${t.dim}); were they made by the same model?`);
    if (Object.keys(t.labels).join(",") !== labelColumns.join(","))
      throw new WorkbenchError(
        `merge: shards disagree on the label columns (${labelColumns.join(",")} and ${Object.keys(t.labels).join(",")})`,
      );
  }
  const where = new Map<string, { t: number; i: number }>();
  const seen = new Map<string, number>();
  tables.forEach((t, ti) =>
    t.ids.forEach((id, i) => {
      seen.set(id, (seen.get(id) ?? 0) + 1);
      if (!where.has(id)) where.set(id, { t: ti, i });
    }),
  );
  result.duplicatedIds = [...seen].filter(([, c]) => c > 1).map(([id, c]) => ({ id, count: c }));
  const order = expectedIds ? [...expectedIds] : [...where.keys()];
  if (expectedIds) {
    const expected = new Set(expectedIds);
    result.missingIds = expectedIds.filter((id) => !where.has(id));
    result.unexpectedIds = [...where.keys()].filter((id) => !expected.has(id));
  }
  result.rows = order.filter((id) => where.has(id)).length;
  if (missingShards.length || result.missingIds.length || result.duplicatedIds.length || result.unexpectedIds.length) return result;
  const n = order.length;
  const merged: EmbeddingTable = {
    ids: order,
    splits: new Array<string>(n),
    labels: Object.fromEntries(labelColumns.map((c) => [c, new Array<string>(n)])),
    dim,
    values: new Float32Array(n * dim),
  };
  order.forEach((id, r) => {
    const { t, i } = where.get(id)!;
    const src = tables[t]!;
    merged.splits[r] = src.splits[i]!;
    for (const c of labelColumns) merged.labels[c]![r] = src.labels[c]![i]!;
    merged.values.set(src.values.subarray(i * dim, (i + 1) * dim), r * dim);
  });
  result.files = writeEmbeddingTable(out, merged);
  result.ok = true;
  return result;
}

/** One paragraph saying what a merge found, for CLIs and notebooks. */
export function describeMerge(r: MergeResult): string {
  const list = (xs: string[]) => `${xs.slice(0, 10).join(", ")}${xs.length > 10 ? `, … (${xs.length} in all)` : ""}`;
  if (r.ok) return `merged ${r.rows} rows: every id present exactly once → ${r.files!.csv}, ${r.files!.npy}`;
  const parts: string[] = [];
  if (r.missingShards.length) parts.push(`shards not finished: ${r.missingShards.join(", ")}`);
  if (r.missingIds.length) parts.push(`${r.missingIds.length} ids missing: ${list(r.missingIds)}`);
  if (r.duplicatedIds.length)
    parts.push(`${r.duplicatedIds.length} ids doubled: ${list(r.duplicatedIds.map((d) => `${d.id} ×${d.count}`))}`);
  if (r.unexpectedIds.length) parts.push(`${r.unexpectedIds.length} ids not in the dataset: ${list(r.unexpectedIds)}`);
  return `not merged: ${parts.join("; ")}`;
}
