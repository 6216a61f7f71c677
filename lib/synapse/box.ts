import * as fs from "node:fs";
import * as path from "node:path";
import { WorkbenchError } from "../core";
import type { Finding } from "./findings";
import { labelsForBox, labelTableFor, readLabelTable } from "./labels";
import type { LabelTable, MaskLabels } from "./labels";
import { readSynapseTable } from "./table";
import type { SynapseRecord } from "./table";
import { inside, intensityRange, niftiVolume, sortSliceFiles, stackTiffSlices } from "./volume";
import type { Volume } from "./volume";

/** One bounding box with everything needed to crop its synapses. */
export interface SynapseBox {
  name: string;
  raw: Volume;
  seg: Volume;
  masks: Volume;
  /** Raw values mapped to [0, 1] by (v - lo) / (hi - lo). */
  rawRange: [number, number];
  labels: MaskLabels;
  synapses: SynapseRecord[];
}

export interface LoadBoxOptions {
  /** Label table file; default: the data folder's synapse-labels.json, else config/synapse-labels.json. */
  labelsFile?: string;
}

const BOX_NAME = /^bbox_?(\d+)(\.nii(\.gz)?)?$/;

/** The boxes of a data folder (`raw/bbox1/`, `raw/bbox2.nii.gz`, …), by number. */
export function listBoxes(dataDir: string): string[] {
  const rawDir = path.join(dataDir, "raw");
  if (!fs.existsSync(rawDir))
    throw new WorkbenchError(`${dataDir}: no raw/ folder; expected raw/bboxN/slice_*.tif (see docs/synapses.md, "Data layout")`);
  const numbers = new Set<number>();
  for (const name of fs.readdirSync(rawDir)) {
    const m = BOX_NAME.exec(name);
    if (m) numbers.add(Number(m[1]));
  }
  return [...numbers].sort((a, b) => a - b).map((n) => `bbox${n}`);
}

function boxNumber(box: string): string {
  return box.replace(/^bbox_?/, "");
}

/** Finds a stack: a folder of TIFF slices or a NIfTI file, under any of the given names. */
async function loadStack(root: string, names: string[]): Promise<Volume> {
  for (const name of names) {
    const dir = path.join(root, name);
    if (fs.existsSync(dir) && fs.statSync(dir).isDirectory()) {
      const all = fs.readdirSync(dir).filter((f) => /\.tiff?$/i.test(f));
      const slices = all.filter((f) => /^slice_/i.test(f));
      const files = sortSliceFiles(slices.length > 0 ? slices : all).map((f) => path.join(dir, f));
      if (files.length === 0) {
        const nii = fs.readdirSync(dir).filter((f) => /\.nii(\.gz)?$/i.test(f));
        if (nii.length === 1) return niftiVolume(path.join(dir, nii[0]!));
        throw new WorkbenchError(`${dir}: no slice_*.tif files (and no single .nii/.nii.gz)`);
      }
      return stackTiffSlices(files, dir);
    }
    for (const ext of [".nii.gz", ".nii"]) {
      const file = path.join(root, name + ext);
      if (fs.existsSync(file)) return niftiVolume(file);
    }
  }
  throw new WorkbenchError(`${root}: none of ${names.map((n) => `${n}/`).join(", ")} (or ${names[0]}.nii.gz) found`);
}

/** The synapse table of a box (`bboxN.xlsx`/`.xls`/`.csv` in the folder, tables/ or excel/), or null. */
export function findTable(dataDir: string, box: string): string | null {
  for (const dir of [dataDir, path.join(dataDir, "tables"), path.join(dataDir, "excel")]) {
    for (const ext of [".xlsx", ".xls", ".csv"]) {
      const file = path.join(dir, box + ext);
      if (fs.existsSync(file)) return file;
    }
  }
  return null;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Loads one box. Problems come back as findings: an unreadable stack, stacks
 * of different sizes or a bad table skip the box (`box` is null); a synapse
 * whose points fall outside the volume is dropped with a finding naming it.
 */
export async function loadBox(
  dataDir: string,
  box: string,
  options: LoadBoxOptions & { table?: { table: LabelTable; file: string } } = {},
): Promise<{ box: SynapseBox | null; findings: Finding[] }> {
  const findings: Finding[] = [];
  const fail = (field: string, msg: string) => {
    findings.push({ level: "error", box, field, message: `${msg}; box skipped` });
    return { box: null, findings };
  };
  const n = boxNumber(box);
  let labels: MaskLabels;
  try {
    const table =
      options.table ??
      (options.labelsFile ? { table: readLabelTable(options.labelsFile), file: options.labelsFile } : labelTableFor(dataDir));
    labels = labelsForBox(table.table, box, table.file);
  } catch (err) {
    return fail("labels", message(err));
  }
  const volumes: Partial<Record<"raw" | "seg" | "masks", Volume>> = {};
  for (const [kind, names] of [
    ["raw", [`bbox${n}`, `bbox_${n}`]],
    ["seg", [`bbox${n}`, `bbox_${n}`]],
    ["masks", [`bbox_${n}`, `bbox${n}`]],
  ] as const) {
    try {
      volumes[kind] = await loadStack(path.join(dataDir, kind), [...names]);
    } catch (err) {
      return fail(kind, message(err));
    }
  }
  const { raw, seg, masks } = volumes as Required<typeof volumes>;
  const shape = (v: Volume) => `${v.width}x${v.height}x${v.depth}`;
  if (raw.depth !== seg.depth || raw.depth !== masks.depth) {
    return fail(
      "slices",
      `slice counts differ: raw ${raw.depth} (${raw.source}), seg ${seg.depth} (${seg.source}), masks ${masks.depth} (${masks.source})`,
    );
  }
  if (shape(raw) !== shape(seg) || shape(raw) !== shape(masks)) {
    return fail("slices", `slice sizes differ: raw ${shape(raw)}, seg ${shape(seg)}, masks ${shape(masks)} (x*y*z)`);
  }
  const tableFile = findTable(dataDir, box);
  if (!tableFile) return fail("table", `no synapse table ${box}.xlsx or ${box}.csv in ${dataDir} (or its tables/ or excel/ folder)`);
  let synapses: SynapseRecord[];
  try {
    const t = await readSynapseTable(tableFile, box);
    findings.push(...t.findings);
    synapses = [];
    for (const s of t.synapses) {
      const bad = (["centre", "side1", "side2"] as const).find((k) => !inside(raw, ...s[k]));
      if (bad) {
        const field = bad === "centre" ? "central_coord_1..3" : bad === "side1" ? "side_1_coord_1..3" : "side_2_coord_1..3";
        findings.push({
          level: "error",
          box,
          synapse: s.name,
          field,
          message: `point (${s[bad].join(", ")}) is outside the volume ${shape(raw)} (0-based x, y, z); synapse skipped`,
        });
      } else synapses.push(s);
    }
  } catch (err) {
    return fail("table", message(err));
  }
  return { box: { name: box, raw, seg, masks, rawRange: intensityRange(raw), labels, synapses }, findings };
}
