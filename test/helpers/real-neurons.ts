import * as fs from "node:fs";
import * as path from "node:path";
import type { DatasetRow } from "../../lib/dataset";
import { parseCsv } from "../../lib/io";

/** Twelve NeuroMorpho neurons, three of each of four families (labels.csv: file, family). */
export const REAL_NEURONS = path.resolve(__dirname, "../fixtures/swc/real-sample");

/** Each neuron's SWC file name and family, in the order of labels.csv. */
export function realNeuronLabels(): Array<{ file: string; family: string }> {
  const table = parseCsv(fs.readFileSync(path.join(REAL_NEURONS, "labels.csv"), "utf8"), "labels.csv");
  const [fileColumn, familyColumn] = [table.columns.indexOf("file"), table.columns.indexOf("family")];
  if (fileColumn < 0 || familyColumn < 0)
    throw new Error(`${REAL_NEURONS}/labels.csv: expected columns file and family; found ${table.columns.join(", ")}`);
  return table.rows.map((r) => ({ file: r[fileColumn]!, family: r[familyColumn]! }));
}

/**
 * The neurons as dataset rows labelled with their family and a made-up
 * depth; row i goes to `split(i)` (every third to val by default) with
 * depth `depth(i)` (100·i by default).
 */
export function realNeuronRows(options: { split?: (i: number) => string; depth?: (i: number) => number } = {}): DatasetRow[] {
  const split = options.split ?? ((i) => (i % 3 === 2 ? "val" : "train"));
  const depth = options.depth ?? ((i) => 100 * i);
  return realNeuronLabels().map(({ file, family }, i) => ({
    id: file.replace(/\.CNG\.swc$/, ""),
    source: path.join(REAL_NEURONS, file),
    split: split(i),
    soma: null,
    labels: { family, depth: String(depth(i)) },
  }));
}
