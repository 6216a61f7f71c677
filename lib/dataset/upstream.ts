import * as fs from "node:fs";
import * as path from "node:path";
import { WorkbenchError } from "../core";
import { readIdListFile } from "../io";
import type { Cell } from "../io";
import { cellText, readLabelTable } from "./labels";
import { writeDataset } from "./write";
import type { WriteDatasetOptions, WriteDatasetResult } from "./write";
import type { DatasetRow } from "./manifest";

/** Options for importUpstream; `out`, `coordsDir` and `splits` are required. */
export interface ImportUpstreamOptions extends WriteDatasetOptions {
  /** Dataset directory to write (manifest.csv, dataset.json; the clouds stay where they are). */
  out: string;
  /** Folder of `<id>.npz` point clouds (key `data`, float16, µm/1000). */
  coordsDir: string;
  /** Split name → `.npy` list of ids, e.g. { train: "train.npy", val: "val.npy", test: "test.npy" }. */
  splits: Record<string, string>;
  /** Label table (CSV or Excel) with one row per neuron. */
  labels?: string;
  /** Column of the label table holding the neuron id (default "id"). */
  idColumn?: string;
  /** Columns holding the soma position (default soma_x, soma_y, soma_z when present). */
  somaColumns?: [string, string, string];
  /** Factor taking soma positions into the clouds' units (µm) (default 1). */
  somaScale?: number;
  /** Label columns to keep (default all other columns). */
  keep?: string[];
}

export interface ImportUpstreamResult extends WriteDatasetResult {
  /** Ids listed in a split that have no `.npz` file: reported, not imported. */
  missingClouds: string[];
  /** Ids imported without a row in the label table. */
  missingLabels: string[];
}

/**
 * A dataset over the upstream layout as it is: `coords/<id>.npz` clouds,
 * split lists as `.npy` id arrays and a label table. Nothing is copied; the
 * manifest points at the original files. Safe to run again on the same
 * directory (see writeDataset).
 */
export async function importUpstream(options: ImportUpstreamOptions): Promise<ImportUpstreamResult> {
  const { out, coordsDir, splits, labels, idColumn = "id", somaColumns, somaScale = 1, keep, ...createOptions } = options;
  if (!fs.existsSync(coordsDir)) throw new WorkbenchError(`${coordsDir}: no such folder of .npz clouds`);
  const table = labels ? await readLabelTable(labels) : undefined;
  if (table && !table.columns.includes(idColumn)) {
    throw new WorkbenchError(
      `${labels}: no id column "${idColumn}"; the columns are ${table.columns.map((c) => `"${c}"`).join(", ")} (set idColumn)`,
    );
  }
  const somaCols =
    somaColumns ??
    (table && ["soma_x", "soma_y", "soma_z"].every((c) => table.columns.includes(c))
      ? (["soma_x", "soma_y", "soma_z"] as [string, string, string])
      : undefined);
  const skip = new Set<string>([idColumn, ...(somaCols ?? [])]);
  const labelCols = table ? (keep ?? table.columns.filter((c) => !skip.has(c))) : [];
  const byId = new Map<string, Record<string, Cell>>();
  for (const r of table?.rows ?? []) byId.set(String(r[idColumn]), r);

  const rows: DatasetRow[] = [];
  const missingClouds: string[] = [];
  const missingLabels: string[] = [];
  const seen = new Set<string>();
  for (const [split, listFile] of Object.entries(splits)) {
    for (const id of readIdListFile(listFile)) {
      if (seen.has(id)) throw new WorkbenchError(`${listFile}: id ${id} is listed in more than one split or twice`);
      seen.add(id);
      const source = path.resolve(coordsDir, `${id}.npz`);
      if (!fs.existsSync(source)) {
        missingClouds.push(id);
        continue;
      }
      const lab = byId.get(id);
      if (table && !lab) missingLabels.push(id);
      let soma: [number, number, number] | null = null;
      if (lab && somaCols) {
        const v = somaCols.map((c) => Number(lab[c]) * somaScale);
        if (v.every(Number.isFinite)) soma = v as [number, number, number];
      }
      const labelsOut: Record<string, string> = {};
      for (const c of labelCols) labelsOut[c] = cellText(lab?.[c]);
      rows.push({ id, source, split, soma, labels: labelsOut });
    }
  }
  if (rows.length === 0) throw new WorkbenchError(`no listed id has a cloud in ${coordsDir} (${missingClouds.length} missing)`);
  const centre = createOptions.centre ?? (rows.every((r) => r.soma) ? "soma" : "mean");
  const splitRule = `lists ${Object.entries(splits)
    .map(([name, file]) => `${name}=${path.basename(file)}`)
    .join(", ")}`;
  const written = writeDataset(out, rows, {
    description: `upstream clouds from ${path.resolve(coordsDir)}`,
    splitRule,
    ...createOptions,
    centre,
    labelColumns: labelCols,
  });
  return { ...written, missingClouds, missingLabels };
}
