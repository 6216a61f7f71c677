import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { ConfigError, type OnProgress, WorkbenchError, withDefaults, writeFileAtomic } from "../core";
import { type Dataset, readBatches } from "../dataset";
import { parseCsv, readNpyFile, writeNpy } from "../io";
import { latentEmbeddings } from "./latent";
import { DEFAULT_POOLING, type Pooling, pooledSize } from "./pooling";
import { type Shard, shardIds, shardStem } from "./shards";
import { type EmbeddingTable, embeddingFiles, writeEmbeddingTable } from "./table";

export interface EmbedOptions {
  /** Which neurons: a split name ("train", "val", "test") or "all" (default "all"). */
  split?: string;
  /** Embed only this shard of the ids (cluster job arrays); writes `<out>.shard-i-of-N.*`. */
  shard?: Shard;
  /** Volumes per encoder call (default 8). */
  batchSize?: number;
  /** Neurons per saved chunk: the unit of resuming (default 256). */
  chunkSize?: number;
  /** Batches read and decoded ahead while the encoder runs (default 2; 0 reads each batch when it is needed). */
  prefetch?: number;
  /** How the latent becomes one vector (default "channel-max", the thesis embedding; see POOLINGS). */
  pooling?: Pooling;
  onProgress?: OnProgress;
}

export interface EmbedResult {
  /** False when stopped through onProgress; run again to resume. */
  complete: boolean;
  /** True when the table was complete before this call, which then computed nothing. */
  alreadyComplete: boolean;
  /** Neurons in this run's share. */
  total: number;
  /** Of those, embedded now (the rest came from saved chunks). */
  computed: number;
  /** Neurons whose embeddings are on disk: in saved chunks, or all of them once the table is written. */
  saved: number;
  seconds: number;
  /** Of those, the encoder's (with the pooling): the rest is reading, decoding, batching and writing. */
  encoderSeconds: number;
  files?: { csv: string; npy: string; meta: string };
}

export const EMBED_DEFAULTS = { split: "all", batchSize: 8, chunkSize: 256, prefetch: 2, pooling: DEFAULT_POOLING };

/**
 * The files of the table at `stem` when it is already written for exactly
 * `ids`, null when there is none; a table of other neurons is an error
 * rather than something to overwrite.
 */
function finishedTable(stem: string, ids: readonly string[]): { csv: string; npy: string; meta: string } | null {
  const { csv, npy, meta } = embeddingFiles(stem);
  if (![csv, npy, meta].every((f) => fs.existsSync(f))) return null;
  const found = parseCsv(fs.readFileSync(meta, "utf8"), meta).rows.map((r) => r[0]);
  if (found.join("\n") !== ids.join("\n")) {
    throw new WorkbenchError(
      `embed: ${stem} already holds a table of ${found.length} other neurons than the ${ids.length} this run embeds (dataset, split or shard changed?); delete it or write elsewhere`,
    );
  }
  return { csv, npy, meta };
}

/** The neurons a run embeds and the stem of the table it writes. */
function embeddingTarget(dataset: Dataset, out: string, split: string, shard: Shard | undefined): { ids: string[]; stem: string } {
  const all = split === "all" ? dataset.ids() : dataset.ids(split);
  if (all.length === 0) {
    const splits = [...new Set(dataset.rows.map((r) => r.split))];
    throw new ConfigError(`embed: no neurons in split "${split}" of ${dataset.dir}; its splits are ${splits.join(", ")} (or use "all")`);
  }
  return { ids: shard ? shardIds(all, shard) : all, stem: shard ? shardStem(out, shard) : embeddingFiles(out).stem };
}

/**
 * The files of the table that embedDataset(…, out, options) would write when
 * it is already complete, null when there is work to do: lets a caller stop
 * before loading a model at all.
 */
export function completeEmbeddingTable(
  dataset: Dataset,
  out: string,
  options: Pick<EmbedOptions, "split" | "shard"> = {},
): { ids: string[]; files: { csv: string; npy: string; meta: string } } | null {
  const { ids, stem } = embeddingTarget(dataset, out, options.split ?? EMBED_DEFAULTS.split, options.shard);
  const files = finishedTable(stem, ids);
  return files ? { ids, files } : null;
}

/**
 * Embeds the neurons of a dataset with an autoencoder's encoder and writes
 * the table (see EmbeddingTable) to `out`. Work is saved in chunks under
 * `<out>.parts/`, so a stopped or killed run continues where it was; the
 * chunks are removed once the table is written. A table already written for
 * the same neurons is reported as it is, without computing anything.
 */
export async function embedDataset(
  encoder: tf.LayersModel,
  dataset: Dataset,
  grid: number,
  out: string,
  options: EmbedOptions = {},
): Promise<EmbedResult> {
  const o = withDefaults(EMBED_DEFAULTS, options);
  const start = performance.now();
  for (const key of ["batchSize", "chunkSize"] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 1) throw new ConfigError(`embed: ${key} should be a whole number >= 1; found ${o[key]}`);
  }
  if (!Number.isInteger(o.prefetch) || o.prefetch < 0)
    throw new ConfigError(`embed: prefetch should be a whole number >= 0; found ${o.prefetch}`);
  const { ids, stem } = embeddingTarget(dataset, out, o.split, o.shard);
  const finished = finishedTable(stem, ids);
  if (finished) {
    return {
      complete: true,
      alreadyComplete: true,
      total: ids.length,
      computed: 0,
      saved: ids.length,
      seconds: (performance.now() - start) / 1000,
      encoderSeconds: 0,
      files: finished,
    };
  }
  const partsDir = `${stem}.parts`;
  fs.mkdirSync(partsDir, { recursive: true });
  const chunks = Math.ceil(ids.length / o.chunkSize);
  const latentShape = encoder.outputs[0]!.shape;
  const dim = pooledSize(o.pooling, latentShape[4]!, latentShape[1]!);
  const values = new Float32Array(ids.length * dim);
  let computed = 0;
  let done = 0;
  let saved = 0;
  let encoderSeconds = 0;
  // Saved chunks first, so that the batches still to compute form one stream
  // that is read ahead across chunk boundaries.
  const pending: Array<{ ids: string[]; base: string; values: Float32Array; filled: number }> = [];
  for (let c = 0; c < chunks; c++) {
    const chunkIds = ids.slice(c * o.chunkSize, (c + 1) * o.chunkSize);
    const base = path.join(partsDir, `chunk-${String(c).padStart(6, "0")}`);
    if (fs.existsSync(`${base}.npy`) && fs.existsSync(`${base}.ids.json`)) {
      const savedIds = JSON.parse(fs.readFileSync(`${base}.ids.json`, "utf8")) as string[];
      if (savedIds.join("\n") !== chunkIds.join("\n")) {
        throw new WorkbenchError(
          `embed: ${base}.ids.json holds other neurons than this run would embed (dataset, split or shard changed?); delete ${partsDir} to start over`,
        );
      }
      const part = readNpyFile(`${base}.npy`);
      if (part.shape[1] !== dim) {
        throw new WorkbenchError(
          `embed: ${base}.npy holds ${part.shape[1]} values per neuron, this run makes ${dim} ("${o.pooling}" pooling); was it started with another pooling or model? Delete ${partsDir} to start over`,
        );
      }
      values.set(part.data as Float32Array, c * o.chunkSize * dim);
      done += chunkIds.length;
      saved += chunkIds.length;
    } else {
      pending.push({
        ids: chunkIds,
        base,
        values: values.subarray(c * o.chunkSize * dim, (c * o.chunkSize + chunkIds.length) * dim),
        filled: 0,
      });
    }
  }
  // A batch never spans two chunks, so a chunk is saved as soon as its last batch is done.
  const groups: string[][] = [];
  const chunkOf: number[] = [];
  pending.forEach((p, k) => {
    for (let b = 0; b < p.ids.length; b += o.batchSize) {
      groups.push(p.ids.slice(b, b + o.batchSize));
      chunkOf.push(k);
    }
  });
  for await (const batch of readBatches(dataset, groups, grid, { prefetch: o.prefetch })) {
    const chunk = pending[chunkOf[batch.index]!]!;
    const x = tf.tensor5d(batch.data, batch.shape);
    const encoderStart = performance.now();
    try {
      chunk.values.set(latentEmbeddings(encoder, x, o.pooling), chunk.filled * dim);
    } finally {
      x.dispose();
    }
    encoderSeconds += (performance.now() - encoderStart) / 1000;
    chunk.filled += batch.ids.length;
    computed += batch.ids.length;
    done += batch.ids.length;
    // A chunk's last batch saves the chunk before asking whether to go on, so a stop keeps it.
    if (chunk.filled === chunk.ids.length) {
      writeFileAtomic(`${chunk.base}.npy`, writeNpy(chunk.values, [chunk.ids.length, dim], "float32"));
      writeFileAtomic(`${chunk.base}.ids.json`, JSON.stringify(chunk.ids));
      saved += chunk.ids.length;
    }
    if (o.onProgress?.({ done, total: ids.length, label: "embedding neurons" }) === false && done < ids.length) {
      return {
        complete: false,
        alreadyComplete: false,
        total: ids.length,
        computed,
        saved,
        seconds: (performance.now() - start) / 1000,
        encoderSeconds,
      };
    }
  }
  const labelColumns = dataset.info.labelColumns;
  const table: EmbeddingTable = {
    ids,
    splits: ids.map((id) => dataset.row(id).split),
    labels: Object.fromEntries(labelColumns.map((c) => [c, ids.map((id) => dataset.row(id).labels[c] ?? "")])),
    dim,
    values,
  };
  const files = writeEmbeddingTable(stem, table);
  fs.rmSync(partsDir, { recursive: true, force: true });
  // Every chunk came from disk: say so once, so a progress bar ends.
  if (computed === 0) o.onProgress?.({ done: ids.length, total: ids.length, label: "embedding neurons" });
  return {
    complete: true,
    alreadyComplete: false,
    total: ids.length,
    computed,
    saved: ids.length,
    seconds: (performance.now() - start) / 1000,
    encoderSeconds,
    files,
  };
}
