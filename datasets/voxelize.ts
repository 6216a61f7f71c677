/**
 * `voxelize`: one uint8 .npy grid ([g, g, g], indexed x, y, z) per neuron
 * file, plus manifest.csv and voxelize.json. Clouds are centred on the soma
 * when the file gives one (SWC), else on their mean, and normalised per shape
 * unless --normalise dataset is given.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { WorkbenchError, cliProgress, writeFileAtomic } from "../lib/core";
import { command, EXIT, main } from "../lib/cli";
import { writeNpy, formatCsv } from "../lib/io";
import type { Cell } from "../lib/io";
import { CENTRE_MODES, centre, coordinateRange, mergeRanges } from "../lib/neuron";
import type { CentreMode, NormaliseRange, PointCloud } from "../lib/neuron";
import { countOccupied, neuronGrid } from "../lib/voxel";
import { findSourceFiles, loadPointCloud } from "../lib/dataset";

export const voxelizeCommand = command({
  name: "voxelize",
  summary: "voxelise neuron files (SWC, PLY, NPY, NPZ) into uint8 .npy grids with a manifest",
  description:
    "Writes <out>/<name>.npy (shape [g, g, g], indexed x, y, z) per input, manifest.csv (source, points, occupied voxels, extent,\n" +
    "clipping, centre) and voxelize.json (the settings). An input that cannot be read is reported and skipped; the exit code is then 1.",
  options: {
    grid: { type: "integer", description: "grid size (the published models use 64 or 128)", default: 64, min: 8 },
    out: { type: "string", placeholder: "dir", description: "directory to write the grids and manifest to", required: true },
    centre: {
      type: "string",
      description: "what each cloud is centred on; without it, the soma when the file gives one (SWC), else the mean",
      choices: CENTRE_MODES,
    },
    normalise: {
      type: "string",
      description: "scale each neuron by its own range (shape) or all by the range over every input (dataset)",
      choices: ["shape", "dataset"],
      default: "shape",
    },
    points: { type: "integer", description: "points sampled from SWC skeletons and PLY meshes", default: 100_000, min: 1 },
    seed: { type: "integer", description: "seed of that sampling", default: 1996, min: 0 },
    npzScale: {
      type: "number",
      description: "factor applied to .npz coordinates, which the upstream layout stores in µm/1000",
      default: 1000,
    },
  },
  positionals: { name: "input", description: "neuron files, or directories searched recursively for them", min: 1 },
  examples: [
    "npm run voxelize -- neurons/swc --grid 64 --out grids64",
    "npm run voxelize -- a.swc b.ply --grid 128 --out grids128 --normalise dataset",
  ],
  run({ values, positionals }) {
    const { grid, out, normalise } = values;
    // The declaration's choices have checked it.
    const centreOpt = values.centre as CentreMode | undefined;
    const source = { points: values.points, seed: values.seed, npzScale: values.npzScale };
    const files = findSourceFiles(positionals);
    fs.mkdirSync(out, { recursive: true });
    const names = new Map<string, string>();
    const modeFor = (c: PointCloud): CentreMode => centreOpt ?? (c.soma ? "soma" : "mean");
    const failed: Array<{ file: string; message: string }> = [];

    let range: NormaliseRange | undefined;
    if (normalise === "dataset") {
      // Constants over all inputs, computed once and written beside the grids.
      const ranges: NormaliseRange[] = [];
      for (const f of files) {
        try {
          const c = loadPointCloud(f, source);
          ranges.push(coordinateRange(centre(c.points, modeFor(c), c.soma)));
        } catch (e) {
          failed.push({ file: f, message: (e as Error).message });
        }
      }
      if (ranges.length === 0) throw new WorkbenchError("no input could be read");
      range = mergeRanges(ranges);
    }

    const progress = cliProgress();
    const rows: Array<Record<string, Cell>> = [];
    const started = Date.now();
    files.forEach((f, i) => {
      if (failed.some((x) => x.file === f)) return;
      let base = path.basename(f).replace(/\.[^.]+$/, "");
      if (names.has(base)) base = `${base}_${i}`;
      names.set(base, f);
      try {
        const cloud = loadPointCloud(f, source);
        const mode = modeFor(cloud);
        const g = neuronGrid(cloud, { size: grid, centre: mode, range });
        const output = `${base}.npy`;
        writeFileAtomic(path.join(out, output), writeNpy(g.data, [grid, grid, grid]));
        rows.push({
          source: path.resolve(f),
          output,
          points: cloud.points.length / 3,
          occupied: countOccupied(g.data),
          extent_x: g.extent[0],
          extent_y: g.extent[1],
          extent_z: g.extent[2],
          clipped: g.clipped,
          centre: mode,
        });
      } catch (e) {
        failed.push({ file: f, message: (e as Error).message });
      }
      progress({ done: i + 1, total: files.length, label: `voxelising ${grid}³` });
    });
    const columns = ["source", "output", "points", "occupied", "extent_x", "extent_y", "extent_z", "clipped", "centre"];
    writeFileAtomic(path.join(out, "manifest.csv"), formatCsv(columns, rows));
    writeFileAtomic(
      path.join(out, "voxelize.json"),
      JSON.stringify({ grid, normalisation: range ?? "shape", centre: centreOpt ?? "soma if known, else mean", ...source }, null, 2) + "\n",
    );
    console.log(`${rows.length} grids of ${grid}³ written to ${out} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    for (const f of failed) console.error(`failed: ${f.message.startsWith(f.file) ? f.message : `${f.file}: ${f.message}`}`);
    return failed.length > 0 ? EXIT.failed : EXIT.done;
  },
});

if (require.main === module) main(voxelizeCommand);
