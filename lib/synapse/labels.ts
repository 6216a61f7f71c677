import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError, ParseError } from "../core";

/** The mask values of one box: which integers mean mitochondrion, vesicle cloud, cleft. */
export interface MaskLabels {
  mito: number[];
  vesicle: number[];
  cleft: number[];
}

export type LabelTable = Record<string, MaskLabels>;

/** The shipped table with the original values (config/synapse-labels.json). */
const DEFAULT_LABELS_FILE = path.resolve(__dirname, "../../config/synapse-labels.json");

const KINDS = ["mito", "vesicle", "cleft"] as const;

/** Reads a label table file: `{ "boxes": { "bbox1": { "mito": [5], "vesicle": [6], "cleft": [7] } } }`. */
export function readLabelTable(file = DEFAULT_LABELS_FILE): LabelTable {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new ParseError(file, {}, `cannot read the mask label table (${(err as Error).message})`, { cause: err });
  }
  const boxes = (json as { boxes?: unknown }).boxes;
  if (!boxes || typeof boxes !== "object")
    throw new ParseError(file, {}, `expected an object "boxes" mapping box names to labels, found ${JSON.stringify(boxes)}`);
  const table: LabelTable = {};
  for (const [box, entry] of Object.entries(boxes as Record<string, unknown>)) {
    const labels = {} as MaskLabels;
    for (const kind of KINDS) {
      const v = (entry as Record<string, unknown> | null)?.[kind];
      const list = typeof v === "number" ? [v] : v;
      if (!Array.isArray(list) || list.length === 0 || !list.every((n) => Number.isInteger(n))) {
        throw new ParseError(
          file,
          {},
          `boxes.${box}.${kind}: expected an integer or a non-empty list of integers, found ${JSON.stringify(v)}`,
        );
      }
      labels[kind] = list as number[];
    }
    table[box] = labels;
  }
  return table;
}

/**
 * The label table for a data folder: its own synapse-labels.json when present,
 * otherwise the shipped default.
 */
export function labelTableFor(dataDir: string): { table: LabelTable; file: string } {
  const own = path.join(dataDir, "synapse-labels.json");
  const file = fs.existsSync(own) ? own : DEFAULT_LABELS_FILE;
  return { table: readLabelTable(file), file };
}

export function labelsForBox(table: LabelTable, box: string, file: string): MaskLabels {
  const labels = table[box];
  if (!labels) {
    throw new ConfigError(
      `${box}: no mask labels in ${file} (boxes there: ${Object.keys(table).join(", ")}); add an entry such as "${box}": { "mito": [1], "vesicle": [3], "cleft": [2, 4] }`,
    );
  }
  return labels;
}
