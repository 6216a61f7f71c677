/**
 * `dataset`: makes and inspects dataset directories (manifest.csv,
 * dataset.json, cache/<grid>/), the input of `train`, `infer` and `embed`.
 *   create           from SWC/PLY/NPZ/NPY files and a label table
 *   import-upstream  from the thesis layout (coords/<id>.npz, .npy split lists)
 *   cache            more grid sizes for an existing dataset
 *   info             neurons per split, labels, cached grids
 * Every command that builds grids resumes: a stop request (Ctrl-C, SIGTERM,
 * SIGUSR1) keeps what is cached, and the same command continues.
 */
import * as os from "node:os";
import * as path from "node:path";
import { cliProgress } from "../lib/core";
import type { OnProgress } from "../lib/core";
import { command, commandGroup, EXIT, listenForStop, main, UsageError } from "../lib/cli";
import type { OptionSpecs, StopRequest } from "../lib/cli";
import {
  buildCache,
  compareSplits,
  createDatasetFromFiles,
  DEFAULT_INFO,
  formatDatasetSummary,
  importUpstream,
  summariseDataset,
} from "../lib/dataset";
import type { WriteDatasetResult } from "../lib/dataset";
import { CENTRE_MODES } from "../lib/neuron";
import type { CentreMode } from "../lib/neuron";

const NORMALISE = ["shape", "dataset"] as const;
/** Items shown of a long list of ids or rows; the rest are counted. */
const SHOWN = 20;

const gridOptions = {
  grids: { type: "integers", placeholder: "sizes", description: "grid sizes to cache, e.g. 64,128", default: [64], min: 8 },
  workers: {
    type: "integer",
    description: `threads voxelising in parallel (default every core: ${os.availableParallelism()} here)`,
    min: 1,
  },
} satisfies OptionSpecs;

const settingOptions = {
  normalise: {
    type: "string",
    description: "scale each neuron by its own range, or all by one range from the training split",
    choices: NORMALISE,
    default: "shape",
  },
  npzScale: {
    type: "number",
    placeholder: "factor",
    description: "factor for .npz coordinates (the upstream float16 files store µm/1000)",
    default: DEFAULT_INFO.npzScale,
  },
  force: {
    type: "boolean",
    description: "replace a dataset in --out made with other settings or splits (its grids that no longer match are deleted)",
  },
} satisfies OptionSpecs;

function shortList(items: readonly string[]): string {
  return items.length <= SHOWN ? items.join(", ") : `${items.slice(0, SHOWN).join(", ")} and ${items.length - SHOWN} more`;
}

/** Ctrl-C and the scheduler's signals stop the work at the next neuron; the bar shows where it is. */
function progressUntilStopped(stop: StopRequest): OnProgress {
  const bar = cliProgress();
  return (e) => {
    bar(e);
    return !stop.requested;
  };
}

function reportWrite(dir: string, w: WriteDatasetResult): void {
  if (w.previous === "same") console.error(`${dir} holds this dataset already: the manifest is unchanged and its cached grids are kept.`);
  if (w.previous === "updated") console.error(`${dir}: neurons added, removed or relabelled; no neuron changed split.`);
  if (w.previous === "replaced") console.error(`${dir}: the previous dataset is replaced (--force).`);
  if (w.deletedGrids > 0) console.error(`${w.deletedGrids} cached grids made under other settings or from another file were deleted.`);
  const splits = new Map<string, number>();
  for (const r of w.dataset.rows) splits.set(r.split, (splits.get(r.split) ?? 0) + 1);
  const counts = [...splits].sort(([a], [b]) => compareSplits(a, b)).map(([s, n]) => `${s} ${n}`);
  console.log(
    `${w.dataset.rows.length} neurons (${counts.join(", ")}) → ${path.join(dir, "manifest.csv")}, ${path.join(dir, "dataset.json")}`,
  );
}

/** Builds the grids with a progress bar; 0 done, 1 some neurons could not be voxelised, 3 stopped. */
async function buildGrids(dir: string, sizes: number[], workers: number | undefined, onProgress: OnProgress): Promise<number> {
  const threads = workers ?? os.availableParallelism();
  const r = await buildCache(dir, { sizes, workers: threads, onProgress });
  for (const f of r.failed) console.error(`could not voxelise ${f.id}: ${f.message}`);
  const failed =
    r.failed.length > 0
      ? `, ${r.failed.length} could not be voxelised (listed above; training refuses a dataset with missing grids: fix or remove those files and run again)`
      : "";
  console.log(
    `grids ${sizes.map((s) => `${s}³`).join(", ")}: ${r.built} neurons voxelised, ${r.skipped} already cached${failed} in ${r.seconds.toFixed(1)} s on ${threads} thread${threads === 1 ? "" : "s"}`,
  );
  if (r.stopped) return EXIT.stopped;
  return r.failed.length > 0 ? EXIT.failed : EXIT.done;
}

const createCommand = command({
  name: "create",
  summary: "a dataset from SWC/PLY/NPZ/NPY files and a label table, with seeded splits and the grid cache",
  description:
    "Every .swc, .ply, .npz and .npy file named or under the named folders (recursively; names starting with '.' skipped) becomes a\n" +
    "neuron. Its id is the file name without the extension and without NeuroMorpho's '.CNG' (LLC7B-1.CNG.swc → LLC7B-1); two files\n" +
    "with one id are an error naming both. The label table's id column may hold file names, names without the extension, or ids.\n" +
    "Splits are seeded. They are stratified by --stratify, by default by the first label column whose values are categories (not\n" +
    "numbers) with at least two classes and at least two neurons in each; or they are read from --split-column (train/val/test).\n" +
    "Writes <out>/manifest.csv and dataset.json, then the grid cache on every core. Sources inside <out> are stored relative to it\n" +
    "(the dataset moves with them), others as absolute paths.\n" +
    "Files that cannot be read are left out and listed with file and line; neurons without a label row and label rows without a file\n" +
    "are listed too. These are warnings: the exit code stays 0 when the dataset was written (1 when no file could be read, or when a\n" +
    "neuron could not be voxelised). Running the same command again gives the same manifest and continues the cache; a run that would\n" +
    "change the settings or move a neuron to another split is refused unless --force.",
  positionals: { name: "files or dirs", description: "neuron files and folders of them", min: 1 },
  options: {
    out: { type: "string", placeholder: "dir", description: "dataset directory to write", required: true },
    labels: { type: "string", placeholder: "csv|xlsx", description: "label table (CSV or Excel), one row per neuron" },
    idColumn: {
      type: "string",
      placeholder: "column",
      description: 'label-table column naming each neuron (default "id" when present, else the first column)',
    },
    split: { type: "numbers", placeholder: "train,val,test", description: "shares of train, val and test (default 80,10,10)", min: 0 },
    splitColumn: {
      type: "string",
      placeholder: "column",
      description: "take the splits from this label column (train, val, test) instead of --split",
    },
    stratify: {
      type: "string",
      placeholder: "column|none",
      description: "label column to stratify --split by, or none (default: see above)",
    },
    ...gridOptions,
    centre: {
      type: "string",
      description: "centring (default soma when every neuron has one, as SWC files do, else mean)",
      choices: CENTRE_MODES,
    },
    points: { type: "integer", description: "points sampled from each SWC skeleton and PLY mesh", default: DEFAULT_INFO.points, min: 1 },
    seed: { type: "integer", description: "seed of the splits and of the point sampling", default: DEFAULT_INFO.seed },
    ...settingOptions,
  },
  examples: [
    "npm run dataset -- create test/fixtures/swc/real-sample --labels test/fixtures/swc/real-sample/labels.csv --out results/data/real --grids 64 --points 20000",
    "npm run dataset -- create swc/ more/cell.swc --labels cells.xlsx --id-column neuron_name --split 70,15,15 --stratify layer --out my-dataset --grids 64,128",
    "npm run dataset -- create swc/ --labels cells.csv --split-column split --normalise dataset --out my-dataset",
  ],
  async run({ values: v, positionals, name }) {
    if (v.split && v.splitColumn) throw new UsageError("--split and --split-column both give the splits; choose one");
    if (v.stratify && v.splitColumn) throw new UsageError("--stratify applies to --split, not to --split-column");
    const stop = listenForStop(name, "after the current neuron (cached grids are kept)");
    const onProgress = progressUntilStopped(stop);
    try {
      let res: Awaited<ReturnType<typeof createDatasetFromFiles>>;
      try {
        res = await createDatasetFromFiles({
          out: v.out,
          inputs: positionals,
          labels: v.labels,
          idColumn: v.idColumn,
          split: v.split,
          splitColumn: v.splitColumn,
          stratify: v.stratify === "none" ? null : v.stratify,
          centre: v.centre as CentreMode | undefined,
          normalise: v.normalise as (typeof NORMALISE)[number],
          points: v.points,
          seed: v.seed,
          npzScale: v.npzScale,
          force: v.force,
          onProgress,
        });
      } catch (e) {
        if (stop.requested) return EXIT.stopped;
        throw e;
      }
      const warnings: string[] = res.unreadable.map((u) => `left out ${u.message}`);
      if (res.unlabelled.length > 0)
        warnings.push(
          `neurons without a row in ${v.labels}, kept with empty labels (${res.unlabelled.length}): ${shortList(res.unlabelled)}`,
        );
      if (res.unmatchedLabels.length > 0) {
        warnings.push(
          `rows of ${v.labels} naming no neuron file (${res.unmatchedLabels.length}): ${shortList(res.unmatchedLabels.map((u) => `row ${u.row} "${u.key}"`))}`,
        );
      }
      if (res.noSplit.length > 0)
        warnings.push(`neurons left out, without a value in column ${v.splitColumn} (${res.noSplit.length}): ${shortList(res.noSplit)}`);
      for (const w of warnings) console.error(`warning: ${w}`);
      console.error(
        `${res.files} neuron files (${res.checked} read now${res.checked < res.files ? ", the others cached before" : ""}); ` +
          (v.splitColumn
            ? `splits from column ${v.splitColumn}`
            : `splits seeded (${v.seed})${res.stratifiedBy ? `, stratified by ${res.stratifiedBy}` : ", not stratified"}`),
      );
      reportWrite(v.out, res);
      const code = await buildGrids(v.out, v.grids, v.workers, onProgress);
      if (warnings.length > 0) console.error(`${warnings.length} warning${warnings.length === 1 ? "" : "s"} (above)`);
      if (code === EXIT.done) console.log(`train with: npm run train -- --data ${v.out} --out <run dir>`);
      return code;
    } finally {
      stop.release();
    }
  },
});

function parseSplitLists(items: readonly string[]): Record<string, string> {
  const lists: Record<string, string> = {};
  for (const item of items) {
    const at = item.indexOf("=");
    if (at <= 0 || at === item.length - 1) throw new UsageError(`--splits: expected <split>=<file.npy>, found ${JSON.stringify(item)}`);
    const split = item.slice(0, at);
    if (split in lists) throw new UsageError(`--splits: ${split} given twice`);
    lists[split] = item.slice(at + 1);
  }
  return lists;
}

const importUpstreamCommand = command({
  name: "import-upstream",
  summary: "a dataset over the thesis layout: coords/<id>.npz clouds, .npy split lists, a label table",
  description:
    "Nothing is copied: the manifest points at the clouds. Ids listed without a cloud are reported and left out; neurons without a\n" +
    "label row are reported and kept. Soma positions come from the table's soma_x, soma_y, soma_z columns when present.\n" +
    "Then builds the grid cache on every core; running the same command again continues it.",
  options: {
    coords: { type: "string", placeholder: "dir", description: "folder of <id>.npz point clouds", required: true },
    splits: {
      type: "strings",
      placeholder: "train=<npy>,val=<npy>,test=<npy>",
      description: "split lists: .npy arrays of ids",
      required: true,
    },
    labels: { type: "string", placeholder: "csv|xlsx", description: "label table, one row per neuron" },
    idColumn: { type: "string", placeholder: "column", description: "label-table column holding the neuron id", default: "id" },
    somaScale: {
      type: "number",
      placeholder: "factor",
      description: "factor taking the table's soma positions into the clouds' units",
      default: 1,
    },
    out: { type: "string", placeholder: "dir", description: "dataset directory to write", required: true },
    centre: {
      type: "string",
      description: "centring (default soma when the table gives every neuron one, else mean)",
      choices: CENTRE_MODES,
    },
    ...gridOptions,
    ...settingOptions,
  },
  examples: [
    "npm run dataset -- import-upstream --coords data/coords --splits train=data/train.npy,val=data/val.npy,test=data/test.npy --labels data/labels.csv --id-column segment_id --out data/ds --grids 64,128",
  ],
  async run({ values: v, name }) {
    const stop = listenForStop(name, "after the current neuron (cached grids are kept)");
    const onProgress = progressUntilStopped(stop);
    try {
      let res: Awaited<ReturnType<typeof importUpstream>>;
      try {
        res = await importUpstream({
          out: v.out,
          coordsDir: v.coords,
          splits: parseSplitLists(v.splits),
          labels: v.labels,
          idColumn: v.idColumn,
          somaScale: v.somaScale,
          centre: v.centre as CentreMode | undefined,
          normalise: v.normalise as (typeof NORMALISE)[number],
          npzScale: v.npzScale,
          force: v.force,
          onProgress,
        });
      } catch (e) {
        if (stop.requested) return EXIT.stopped;
        throw e;
      }
      if (res.missingClouds.length > 0)
        console.error(
          `warning: listed ids without a cloud in ${v.coords}, left out (${res.missingClouds.length}): ${shortList(res.missingClouds)}`,
        );
      if (res.missingLabels.length > 0)
        console.error(
          `warning: neurons without a row in ${v.labels}, kept with empty labels (${res.missingLabels.length}): ${shortList(res.missingLabels)}`,
        );
      reportWrite(v.out, res);
      return await buildGrids(v.out, v.grids, v.workers, onProgress);
    } finally {
      stop.release();
    }
  },
});

const cacheCommand = command({
  name: "cache",
  summary: "build (more) grid sizes for an existing dataset, e.g. 128³ for a 128 model",
  description: "Grids already cached are kept; a stopped build continues where it stopped.",
  positionals: { name: "dataset dir", description: "dataset directory", min: 1, max: 1 },
  options: { ...gridOptions, grids: { ...gridOptions.grids, default: undefined, required: true } },
  examples: ["npm run dataset -- cache my-dataset --grids 128"],
  async run({ values: v, positionals, name }) {
    const stop = listenForStop(name, "after the current neuron (cached grids are kept)");
    try {
      return await buildGrids(positionals[0]!, v.grids, v.workers, progressUntilStopped(stop));
    } finally {
      stop.release();
    }
  },
});

const infoCommand = command({
  name: "info",
  summary: "neurons per split, label columns, cached grids and normalisation of a dataset",
  positionals: { name: "dataset dir", description: "dataset directory", min: 1, max: 1 },
  options: { json: { type: "boolean", description: "print the same as JSON" } },
  examples: ["npm run dataset -- info my-dataset", "npm run dataset -- info my-dataset --json"],
  run({ values: v, positionals }) {
    const summary = summariseDataset(positionals[0]!);
    console.log(v.json ? JSON.stringify(summary, null, 2) : formatDatasetSummary(summary));
  },
});

export const datasetCommand = commandGroup({
  name: "dataset",
  summary: "make dataset directories (manifest, splits, grid cache) from neuron files, and inspect them",
  commands: [createCommand, importUpstreamCommand, cacheCommand, infoCommand],
});

if (require.main === module) main(datasetCommand);
