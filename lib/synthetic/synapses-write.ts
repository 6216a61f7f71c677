import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError, random, writeFileAtomic } from "../core";
import { writeTiff, writeXlsx } from "../io";
import { synthSynapseBox } from "./synapses";
import type { SynthSynapseBoxOptions, SyntheticBox } from "./synapses";

export interface WriteSyntheticSynapsesOptions extends Omit<SynthSynapseBoxOptions, "box"> {
  /** Seed of everything random (default 1996). */
  seed?: number;
  /** Number of boxes bbox1..bboxN (default 4). */
  boxes?: number;
}

/** The column of the synthetic tables that holds the true synapse type. */
export const TRUE_TYPE_COLUMN = "true_type";

function writeStack(dir: string, box: SyntheticBox, data: Uint8Array | Uint16Array): void {
  fs.mkdirSync(dir, { recursive: true });
  const plane = box.width * box.height;
  for (let z = 0; z < box.depth; z++) {
    const slice = data.slice(z * plane, (z + 1) * plane);
    const bytes = writeTiff(
      { width: box.width, height: box.height, bitsPerSample: slice.BYTES_PER_ELEMENT * 8, sampleFormat: "uint", data: slice },
      { compression: "deflate" },
    );
    writeFileAtomic(path.join(dir, `slice_${String(z).padStart(4, "0")}.tif`), bytes);
  }
}

/**
 * Writes synthetic boxes in the original layout: raw/bboxN/slice_*.tif,
 * seg/bboxN/slice_*.tif, masks/bbox_N/slice_*.tif, bboxN.xlsx (with the true
 * type in an extra column) and the folder's own synapse-labels.json.
 */
export function writeSyntheticSynapses(
  outDir: string,
  options: WriteSyntheticSynapsesOptions = {},
): { boxes: number; synapses: number; types: Record<string, number> } {
  const boxes = options.boxes ?? 4;
  if (!Number.isInteger(boxes) || boxes < 1 || boxes > 7)
    throw new ConfigError(`boxes: expected an integer from 1 to 7 (the original layout has seven), found ${boxes}`);
  const rng = random(options.seed ?? 1996);
  const labels: Record<string, unknown> = {};
  const types: Record<string, number> = {};
  let synapses = 0;
  for (let b = 1; b <= boxes; b++) {
    const box = synthSynapseBox(rng, { ...options, box: b });
    writeStack(path.join(outDir, "raw", `bbox${b}`), box, box.raw);
    writeStack(path.join(outDir, "seg", `bbox${b}`), box, box.seg);
    writeStack(path.join(outDir, "masks", `bbox_${b}`), box, box.masks);
    const rows = box.synapses.map((s) => {
      types[s.type] = (types[s.type] ?? 0) + 1;
      return {
        Var1: s.name,
        central_coord_1: s.centre[0],
        central_coord_2: s.centre[1],
        central_coord_3: s.centre[2],
        side_1_coord_1: s.side1[0],
        side_1_coord_2: s.side1[1],
        side_1_coord_3: s.side1[2],
        side_2_coord_1: s.side2[0],
        side_2_coord_2: s.side2[1],
        side_2_coord_3: s.side2[2],
        [TRUE_TYPE_COLUMN]: s.type,
        true_presynaptic_side: s.presynapticSide,
      };
    });
    synapses += rows.length;
    const columns = Object.keys(rows[0] ?? { Var1: "" });
    const sheet = { name: "synapses", rows: [columns, ...rows.map((r) => columns.map((c) => r[c as keyof typeof r]))] };
    writeFileAtomic(path.join(outDir, `bbox${b}.xlsx`), writeXlsx([sheet]));
    labels[`bbox${b}`] = box.labels;
  }
  writeFileAtomic(
    path.join(outDir, "synapse-labels.json"),
    JSON.stringify(
      {
        about: `Synthetic synapse boxes (seed ${options.seed ?? 1996}); mask values as the original boxes of the same number.`,
        boxes: labels,
      },
      null,
      2,
    ) + "\n",
  );
  return { boxes, synapses, types };
}
