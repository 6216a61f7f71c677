import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError, WorkbenchError } from "../core";
import type { OnProgress } from "../core";
import type { CentreMode } from "../neuron";
import { cachedSizes } from "./build";
import { openDataset } from "./dataset";
import type { Dataset } from "./dataset";
import { findSourceFiles, sourceIds } from "./inputs";
import { matchLabels, readLabelTable } from "./labels";
import type { LabelMatch } from "./labels";
import { DEFAULT_INFO, INFO, MANIFEST, MANIFEST_COLUMNS } from "./manifest";
import type { DatasetRow } from "./manifest";
import { readSource, sourceSoma } from "./source";
import { assignSplits, defaultStratifyColumn, SPLIT_NAMES } from "./splits";
import { writeDataset } from "./write";
import type { WriteDatasetResult } from "./write";

/** Options for createDatasetFromFiles; `out` and `inputs` are required. */
export interface CreateFromFilesOptions {
  /** Dataset directory to write (manifest.csv, dataset.json; the neuron files stay where they are). */
  out: string;
  /** Neuron files and folders of them (searched recursively; see findSourceFiles). */
  inputs: string[];
  /** Label table (CSV or Excel), one row per neuron. */
  labels?: string;
  /** Column of the label table naming the neuron: file name, file name without extension, or id (default "id" when present, else the first column). */
  idColumn?: string;
  /** Shares of train, val and test, e.g. [80, 10, 10] (default); one or two shares leave the later splits out. */
  split?: number[];
  /** Take the splits from this label column instead (values train, val, test). */
  splitColumn?: string;
  /** Label column to stratify the split by; null: none; default defaultStratifyColumn's choice. */
  stratify?: string | null;
  /** Centring (default "soma" when every neuron has one, as SWC files do, else "mean"). */
  centre?: CentreMode;
  /** "shape" (default) or "dataset" (one range from the training split). */
  normalise?: "shape" | "dataset";
  /** Points sampled from SWC skeletons and PLY meshes (default 100,000). */
  points?: number;
  /** Seed of the splits and of that sampling (default 1996). */
  seed?: number;
  /** Factor for .npz coordinates (default 1000, the upstream layout). */
  npzScale?: number;
  /** Replace a dataset in `out` made with other settings or splits (see writeDataset). */
  force?: boolean;
  /** Progress of reading the files and of the range; returning false stops with a WorkbenchError, and nothing is written. */
  onProgress?: OnProgress;
}

export interface CreateFromFilesResult extends WriteDatasetResult {
  /** Neuron files found among the inputs. */
  files: number;
  /** Files read to check them now (the others had grids from a previous run). */
  checked: number;
  /** Files left out because they could not be read, with why (file and line). */
  unreadable: Array<{ file: string; message: string }>;
  /** Ids of neurons without a label row (kept, with empty labels). */
  unlabelled: string[];
  /** Label rows naming no neuron file: row number (header row 1) and value. */
  unmatchedLabels: LabelMatch["unmatched"];
  /** Ids left out because the split column gives them no split. */
  noSplit: string[];
  /** The label column the split was stratified by, if any. */
  stratifiedBy: string | null;
}

interface Readable {
  id: string;
  file: string;
  soma: [number, number, number] | null;
}

/** A source as the manifest stores it: relative to the dataset when inside it (the dataset then moves with its files), else absolute. */
function manifestSource(out: string, file: string): string {
  const rel = path.relative(path.resolve(out), file);
  const inside = rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel);
  return inside ? rel.split(path.sep).join("/") : file;
}

function previousDataset(out: string): Dataset | null {
  return fs.existsSync(path.join(out, INFO)) && fs.existsSync(path.join(out, MANIFEST)) ? openDataset(out) : null;
}

/**
 * A dataset over neuron files as they are: every SWC, PLY, NPZ and NPY file
 * under `inputs` becomes a row (id from the file name, see sourceId), labels
 * come from a table, splits are seeded and stratified (or read from a column).
 * Files that cannot be read are left out and listed; neurons without labels
 * and label rows without a file are listed too. Running it again on the same
 * inputs gives the same manifest and keeps the cache (see writeDataset); the
 * grids themselves are built by buildCache.
 */
export async function createDatasetFromFiles(options: CreateFromFilesOptions): Promise<CreateFromFilesResult> {
  const { out, seed = DEFAULT_INFO.seed, npzScale = DEFAULT_INFO.npzScale, split: shares = [80, 10, 10], splitColumn } = options;
  const files = findSourceFiles(options.inputs);
  const ids = sourceIds(files);
  const named = files.map((file, i) => ({ id: ids[i]!, file }));

  const table = options.labels ? await readLabelTable(options.labels) : undefined;
  const match = table ? matchLabels(table, named, options.idColumn) : undefined;
  if (splitColumn !== undefined && !match)
    throw new ConfigError(`split column "${splitColumn}": the splits come from the label table, and none was given`);
  if (splitColumn !== undefined && !match!.columns.includes(splitColumn)) {
    throw new ConfigError(
      `${table!.file}: no split column "${splitColumn}"; the columns are ${match!.columns.map((c) => `"${c}"`).join(", ")}`,
    );
  }
  if (splitColumn !== undefined && options.stratify)
    throw new ConfigError("stratify applies to a split by shares, not to splits read from a column");
  const labelColumns = (match?.columns ?? []).filter((c) => c !== splitColumn);
  const clash = labelColumns.find((c) => MANIFEST_COLUMNS.includes(c));
  if (clash !== undefined) {
    const hint = clash === "split" ? 'take the splits from it (split column "split") or rename it' : "rename it";
    throw new ConfigError(
      `${table!.file}: label column "${clash}" is one of the manifest's own columns (${MANIFEST_COLUMNS.join(", ")}); ${hint}`,
    );
  }
  const labelOf = (id: string, c: string): string => match?.rows.get(id)?.[c] ?? "";

  // A neuron voxelised by a previous run was readable then: skipping its check
  // makes a resumed run over 40,000 files start at once.
  const previous = previousDataset(out);
  const cached = previous ? cachedSizes(out) : [];
  const previousRows = new Map((previous?.rows ?? []).map((r) => [r.id, r]));
  const readable: Readable[] = [];
  const unreadable: CreateFromFilesResult["unreadable"] = [];
  let checked = 0;
  for (const [i, n] of named.entries()) {
    const old = previousRows.get(n.id);
    if (old && path.resolve(previous!.sourceFile(n.id)) === n.file && cached.some((size) => previous!.hasGrid(n.id, size))) {
      readable.push({ ...n, soma: old.soma });
    } else {
      checked++;
      try {
        readable.push({ ...n, soma: sourceSoma(readSource(n.file, { npzScale })) });
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        unreadable.push({ file: n.file, message: message.includes(n.file) ? message : `${n.file}: ${message}` });
      }
    }
    if (options.onProgress?.({ done: i + 1, total: named.length, label: "reading" }) === false && i + 1 < named.length) {
      throw new WorkbenchError(`${out}: stopped while reading the neuron files; nothing was written`);
    }
  }
  if (readable.length === 0) {
    const shown = unreadable.slice(0, 3).map((u) => u.message);
    throw new WorkbenchError(
      `none of the ${files.length} neuron files could be read (${shown.join("; ")}${unreadable.length > 3 ? `; and ${unreadable.length - 3} more` : ""})`,
    );
  }

  const centre = options.centre ?? (readable.every((r) => r.soma) ? "soma" : "mean");
  const somaless = readable.filter((r) => !r.soma).map((r) => r.file);
  if ((centre === "soma" || centre === "soma-xz") && somaless.length > 0) {
    throw new ConfigError(
      `centre "${centre}" needs a soma position, and ${somaless.length} file(s) give none (${somaless.slice(0, 3).join(", ")}); centre them on their "mean" or "none"`,
    );
  }

  readable.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  let kept = readable;
  let splits: string[];
  let stratifiedBy: string | null = null;
  let splitRule: string;
  const noSplit: string[] = [];
  if (splitColumn !== undefined) {
    kept = readable.filter((r) => {
      const value = labelOf(r.id, splitColumn);
      if (value === "") noSplit.push(r.id);
      else if (!(SPLIT_NAMES as readonly string[]).includes(value)) {
        throw new WorkbenchError(
          `${table!.file}, row ${match!.rowNumbers.get(r.id)}: ${splitColumn} "${value}": expected ${SPLIT_NAMES.join(", ")}`,
        );
      }
      return value !== "";
    });
    if (kept.length === 0) throw new WorkbenchError(`${table!.file}: no neuron has a split in column "${splitColumn}"`);
    splits = kept.map((r) => labelOf(r.id, splitColumn));
    splitRule = `column ${splitColumn} of ${path.basename(table!.file)}`;
  } else {
    if (options.stratify && !labelColumns.includes(options.stratify)) {
      throw new ConfigError(
        `stratify: no label column "${options.stratify}"; the label columns are ${labelColumns.map((c) => `"${c}"`).join(", ") || "none (no label table)"}`,
      );
    }
    const values = (c: string): string[] => readable.map((r) => labelOf(r.id, c));
    stratifiedBy = options.stratify === undefined ? defaultStratifyColumn(labelColumns, values) : options.stratify;
    splits = assignSplits(readable.length, { shares, seed, strata: stratifiedBy === null ? undefined : values(stratifiedBy) });
    splitRule = `seed ${seed}, ${shares.join("/")}${stratifiedBy === null ? "" : `, stratified by ${stratifiedBy}`}`;
  }

  const rows: DatasetRow[] = kept.map((r, i) => ({
    id: r.id,
    source: manifestSource(out, r.file),
    split: splits[i]!,
    soma: r.soma,
    labels: Object.fromEntries(labelColumns.map((c) => [c, labelOf(r.id, c)])),
  }));
  const keptIds = new Set(rows.map((r) => r.id));
  const written = writeDataset(out, rows, {
    centre,
    normalise: options.normalise,
    points: options.points ?? DEFAULT_INFO.points,
    seed,
    npzScale,
    labelColumns,
    splitRule,
    description: `neuron files from ${options.inputs.map((p) => path.resolve(p)).join(", ")}${table ? `, labels from ${path.resolve(table.file)}` : ""}`,
    force: options.force,
    onProgress: options.onProgress,
  });
  return {
    ...written,
    files: files.length,
    checked,
    unreadable,
    unlabelled: match ? match.unlabelled.filter((id) => keptIds.has(id)) : [],
    unmatchedLabels: match?.unmatched ?? [],
    noSplit,
    stratifiedBy,
  };
}
