/**
 * Voxelises neuron files into uint8 .npy grids:
 *   npm run voxelize -- <files or directories> --grid 64|128 --out <dir>
 *     [--centre soma|mean|soma-xz|none] [--normalise shape|dataset]
 *     [--points N] [--seed S] [--npz-scale F]
 * One <name>.npy per input (shape [g, g, g], indexed x, y, z) and manifest.csv.
 * Clouds are centred on the soma when the file gives one (SWC), else on their
 * mean, and normalised per shape unless --normalise dataset is given.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError, WorkbenchError, checkChoice, cliProgress, writeFileAtomic } from "../lib/core";
import { writeNpy, formatCsv } from "../lib/io";
import type { Cell } from "../lib/io";
import { CENTRE_MODES, centre, coordinateRange, mergeRanges } from "../lib/neuron";
import type { CentreMode, NormaliseRange, PointCloud } from "../lib/neuron";
import { countOccupied, neuronGrid } from "../lib/voxel";
import { loadPointCloud, SOURCE_EXTENSIONS } from "../lib/dataset";

const USAGE = `usage: npm run voxelize -- <files or directories> --grid 64|128 --out <dir>
    [--centre soma|mean|soma-xz|none]  default: soma when the file has one (SWC), else mean
    [--normalise shape|dataset]        default shape: each neuron scaled by its own range
    [--points N] [--seed S]            sampling of SWC skeletons and PLY meshes (default 100000, 1996)
    [--npz-scale F]                    factor for .npz coordinates (default 1000, the upstream layout)`;

function parse(argv: string[]): { inputs: string[]; opts: Map<string, string> } {
  const inputs: string[] = [];
  const opts = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--help" || a === "-h") {
      opts.set("help", "1");
    } else if (a.startsWith("--")) {
      if (i + 1 >= argv.length) throw new ConfigError(`${a}: expected a value`);
      opts.set(a.slice(2), argv[++i]!);
    } else inputs.push(a);
  }
  const known = ["help", "grid", "out", "centre", "normalise", "points", "seed", "npz-scale"];
  const unknown = [...opts.keys()].find((k) => !known.includes(k));
  if (unknown) throw new ConfigError(`unknown option --${unknown}`);
  return { inputs, opts };
}

function expand(inputs: string[]): string[] {
  const files: string[] = [];
  for (const p of inputs) {
    if (!fs.existsSync(p)) throw new WorkbenchError(`${p}: no such file or directory`);
    if (fs.statSync(p).isDirectory()) {
      for (const f of fs.readdirSync(p).sort()) {
        if ((SOURCE_EXTENSIONS as readonly string[]).includes(path.extname(f).toLowerCase())) files.push(path.join(p, f));
      }
    } else files.push(p);
  }
  if (files.length === 0) throw new WorkbenchError(`no neuron files (${SOURCE_EXTENSIONS.join(", ")}) among the inputs`);
  return files;
}

function main(argv: string[]): number {
  const { inputs, opts } = parse(argv);
  if (opts.has("help") || inputs.length === 0) {
    console.log(USAGE);
    return opts.has("help") ? 0 : 2;
  }
  const grid = Number(opts.get("grid") ?? "64");
  if (!Number.isInteger(grid) || grid < 8) throw new ConfigError(`--grid: expected 64 or 128, found ${JSON.stringify(opts.get("grid"))}`);
  const out = opts.get("out");
  if (!out) throw new ConfigError("--out <dir> is required");
  const centreOpt = opts.has("centre") ? checkChoice("--centre", opts.get("centre"), CENTRE_MODES) : undefined;
  const normalise = checkChoice("--normalise", opts.get("normalise") ?? "shape", ["shape", "dataset"] as const);
  const num = (k: string, d: number): number => {
    const v = Number(opts.get(k) ?? d);
    if (!Number.isFinite(v)) throw new ConfigError(`--${k}: expected a number, found ${JSON.stringify(opts.get(k))}`);
    return v;
  };
  const source = { points: num("points", 100_000), seed: num("seed", 1996), npzScale: num("npz-scale", 1000) };
  const files = expand(inputs);
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
        extent_x: g.extent[0], extent_y: g.extent[1], extent_z: g.extent[2],
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
  return failed.length > 0 ? 1 : 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  console.error(e instanceof WorkbenchError ? `voxelize: ${e.message}\n${USAGE}` : e);
  process.exitCode = 1;
}
