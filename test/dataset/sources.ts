/**
 * Inputs for the dataset tests: the twelve NeuroMorpho neurons of
 * test/fixtures/swc/real-sample (four families of three) and a bad SWC.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REAL_NEURONS, realNeuronLabels } from "../helpers/real-neurons";

export const REAL = REAL_NEURONS;
export const BAD = path.resolve(__dirname, "../fixtures/swc/parent_cycle.swc");
export const FILES = fs
  .readdirSync(REAL)
  .filter((f) => f.endsWith(".swc"))
  .sort();
export const IDS = FILES.map((f) => f.replace(/\.CNG\.swc$/, "")).sort();
export const FAMILY = new Map(realNeuronLabels().map(({ file, family }) => [file, family]));

export function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "dataset-"));
}

/**
 * The twelve neurons split over nested folders, the bad SWC beside them, and
 * a label table without p19's row and with a row for a file that is not there.
 */
export function sources(root = tmp()): { root: string; swc: string; labels: string } {
  const swc = path.join(root, "swc");
  fs.mkdirSync(path.join(swc, "a"), { recursive: true });
  fs.mkdirSync(path.join(swc, "b", "deeper"), { recursive: true });
  FILES.forEach((f, i) => fs.copyFileSync(path.join(REAL, f), path.join(swc, i < 6 ? "a" : "b/deeper", f)));
  fs.copyFileSync(BAD, path.join(swc, "b", "parent_cycle.swc"));
  fs.writeFileSync(path.join(swc, "a", ".hidden.swc"), "not a neuron\n");
  const rows = [...FAMILY].filter(([f]) => f !== "p19.CNG.swc").map(([f, family]) => `${f},${family}`);
  const labels = path.join(root, "labels.csv");
  fs.writeFileSync(labels, ["file,family", ...rows, "ghost.CNG.swc,purkinje"].join("\n") + "\n");
  return { root, swc, labels };
}
