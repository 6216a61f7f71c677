import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError } from "../../lib/core";
import { readSwcFile, writeXlsx } from "../../lib/io";
import type { ExcelCell } from "../../lib/io";
import { buildCache, cachePath, createDatasetFromFiles, openDataset, readInfo } from "../../lib/dataset";
import type { CreateFromFilesOptions } from "../../lib/dataset";
import { BAD, FAMILY, IDS, REAL, sources, tmp } from "./sources";

/** An Excel file of one sheet, written with the workbench's own writer. */
function writeWorkbook(file: string, rows: ExcelCell[][]): string {
  fs.writeFileSync(file, writeXlsx([{ name: "cells", rows }]));
  return file;
}

const FAST = { points: 2000 } satisfies Partial<CreateFromFilesOptions>;

test("every readable neuron becomes a row with its labels and soma; bad files, unlabelled neurons and unmatched label rows are reported", async () => {
  const { root, swc, labels } = sources();
  const out = path.join(root, "ds");
  const res = await createDatasetFromFiles({ out, inputs: [swc], labels, ...FAST });
  assert.equal(res.files, 13, "twelve neurons and the bad file; the hidden file is passed over");
  assert.equal(res.unreadable.length, 1);
  assert.match(res.unreadable[0]!.message, /parent_cycle\.swc:2: sample 2 is its own ancestor/);
  const ds = res.dataset;
  assert.deepEqual(ds.ids(), IDS, "ids are the file names without .CNG.swc, sorted");
  for (const id of IDS) {
    const row = ds.row(id);
    assert.equal(row.labels.family, id === "p19" ? "" : FAMILY.get(`${id}.CNG.swc`), id);
    assert.ok(path.isAbsolute(row.source) && fs.existsSync(row.source), "sources outside the dataset are absolute");
    assert.deepEqual(row.soma, readSwcFile(row.source).soma);
  }
  assert.deepEqual(res.unlabelled, ["p19"]);
  assert.deepEqual(res.unmatchedLabels, [{ row: 13, key: "ghost.CNG.swc" }]);
  assert.equal(res.stratifiedBy, "family");
  assert.deepEqual([ds.ids("train").length, ds.ids("val").length, ds.ids("test").length], [10, 1, 1]);
  const info = readInfo(out);
  assert.equal(info.centre, "soma", "every SWC gives a soma");
  assert.deepEqual(info.labelColumns, ["family"]);
  assert.equal(info.splitRule, "seed 1996, 80/10/10, stratified by family");
  assert.equal(res.previous, "none");
});

test("splits are seeded: the same seed gives the same manifest, another seed other splits; --stratify none and a column", async () => {
  const { root, swc, labels } = sources();
  const manifest = (dir: string): string => fs.readFileSync(path.join(dir, "manifest.csv"), "utf8");
  const make = async (dir: string, o: Partial<CreateFromFilesOptions>) =>
    createDatasetFromFiles({ out: path.join(root, dir), inputs: [swc], labels, ...FAST, ...o });
  await make("a", { seed: 3 });
  await make("b", { seed: 3 });
  await make("c", { seed: 4 });
  assert.equal(manifest(path.join(root, "b")), manifest(path.join(root, "a")));
  assert.notEqual(manifest(path.join(root, "c")), manifest(path.join(root, "a")));
  // Half and half, stratified: each family of three has neurons on both sides.
  const halves = (await make("d", { split: [50, 50], seed: 3 })).dataset;
  for (const family of new Set(FAMILY.values())) {
    const splits = new Set(halves.rows.filter((r) => r.labels.family === family).map((r) => r.split));
    assert.deepEqual([...splits].sort(), ["train", "val"], family);
  }
  const plain = await make("e", { stratify: null });
  assert.equal(plain.stratifiedBy, null);
  assert.equal(readInfo(path.join(root, "e")).splitRule, "seed 1996, 80/10/10");
  await assert.rejects(
    make("f", { stratify: "layer" }),
    (e: unknown) => e instanceof ConfigError && /stratify: no label column "layer"; the label columns are "family"/.test(e.message),
  );
});

test("a re-run resumes: the same manifest, cached grids kept, a stopped build continues; other seeds or splits refused unless forced", async () => {
  const { root, swc, labels } = sources();
  const out = path.join(root, "ds");
  const options = { out, inputs: [swc], labels, ...FAST };
  await createDatasetFromFiles(options);
  const first = fs.readFileSync(path.join(out, "manifest.csv"), "utf8");
  const stopped = await buildCache(out, { sizes: [32], onProgress: (e) => e.done < 5 });
  assert.deepEqual([stopped.built, stopped.stopped], [5, true]);
  const built = openDataset(out)
    .ids()
    .filter((id) => openDataset(out).hasGrid(id, 32));
  const mtimes = built.map((id) => fs.statSync(cachePath(out, id, 32)).mtimeMs);

  const again = await createDatasetFromFiles(options);
  assert.equal(again.previous, "same");
  assert.equal(again.checked, 13 - 5, "neurons with a grid are not read again");
  assert.equal(fs.readFileSync(path.join(out, "manifest.csv"), "utf8"), first);
  const rest = await buildCache(out, { sizes: [32] });
  assert.deepEqual([rest.built, rest.skipped, rest.failed.length], [7, 5, 0]);
  assert.deepEqual(
    built.map((id) => fs.statSync(cachePath(out, id, 32)).mtimeMs),
    mtimes,
    "no grid rebuilt",
  );

  await assert.rejects(
    createDatasetFromFiles({ ...options, seed: 7 }),
    (e: unknown) =>
      e instanceof ConfigError &&
      /already holds a dataset, and writing this one would change seed 1996 → 7; the split of \d+ of 12 neurons/.test(e.message),
  );
  await assert.rejects(
    createDatasetFromFiles({ ...options, split: [50, 50] }),
    /would change the split of \d+ of 12 neurons \(split by "seed 1996, 80\/10\/10, stratified by family", now "seed 1996, 50\/50, stratified by family"\)/,
  );
  await assert.rejects(createDatasetFromFiles({ ...options, points: 3000 }), /would change points 2000 → 3000/);
  assert.equal(fs.readFileSync(path.join(out, "manifest.csv"), "utf8"), first, "a refused run writes nothing");

  const forced = await createDatasetFromFiles({ ...options, seed: 7, force: true });
  assert.equal(forced.previous, "replaced");
  assert.equal(forced.deletedGrids, 12, "grids sampled with the old seed are gone");
  assert.equal(readInfo(out).seed, 7);
});

test("sources inside the dataset directory are stored relative to it, so the dataset moves with them", async () => {
  const { root, swc } = sources();
  const res = await createDatasetFromFiles({ out: root, inputs: [swc], ...FAST });
  assert.equal(res.dataset.row("LLC7B-1").source, "swc/a/LLC7B-1.CNG.swc");
  const moved = `${root}-moved`;
  fs.renameSync(root, moved);
  const ds = openDataset(moved);
  const built = await buildCache(moved, { sizes: [16], ids: ["LLC7B-1"] });
  assert.equal(built.built, 1);
  assert.equal(ds.sourceFile("LLC7B-1"), path.join(moved, "swc/a/LLC7B-1.CNG.swc"));
});

test("Excel labels matched by id, by file name without extension or by file name; splits from a column", async () => {
  const { root, swc } = sources();
  const keys = IDS.map((id, i) => (i % 3 === 0 ? id : i % 3 === 1 ? `${id}.CNG` : `${id}.CNG.swc`));
  const sheet: ExcelCell[][] = [
    ["neuron", "family", "depth", "split"],
    ...IDS.map((id, i) => [keys[i]!, FAMILY.get(`${id}.CNG.swc`)!, 100 + i / 4, i < 8 ? "train" : i < 10 ? "val" : "test"]),
  ];
  const file = writeWorkbook(path.join(root, "cells.xlsx"), sheet);
  const res = await createDatasetFromFiles({
    out: path.join(root, "ds"),
    inputs: [swc],
    labels: file,
    idColumn: "neuron",
    splitColumn: "split",
    ...FAST,
  });
  assert.deepEqual([res.unlabelled, res.unmatchedLabels, res.stratifiedBy], [[], [], null]);
  const ds = res.dataset;
  assert.deepEqual(readInfo(ds.dir).labelColumns, ["family", "depth"]);
  assert.deepEqual(ds.ids("val"), IDS.slice(8, 10));
  assert.deepEqual(ds.row(IDS[5]!).labels, { family: FAMILY.get(`${IDS[5]}.CNG.swc`), depth: "101.25" });
  assert.equal(readInfo(ds.dir).splitRule, "column split of cells.xlsx");

  sheet[3]![3] = "validation";
  const bad = writeWorkbook(path.join(root, "bad.xlsx"), sheet);
  await assert.rejects(
    createDatasetFromFiles({ out: path.join(root, "ds2"), inputs: [swc], labels: bad, idColumn: "neuron", splitColumn: "split", ...FAST }),
    /bad\.xlsx, row 4: split "validation": expected train, val, test/,
  );
});

test("dataset-wide normalisation comes from the training split, and a re-run keeps it without reading the neurons again", async () => {
  const { root, swc, labels } = sources();
  const out = path.join(root, "ds");
  const events: string[] = [];
  const options = {
    out,
    inputs: [swc],
    labels,
    normalise: "dataset" as const,
    ...FAST,
    onProgress: (e: { label?: string }) => void events.push(e.label ?? ""),
  };
  await createDatasetFromFiles(options);
  const range = readInfo(out).normalisation;
  assert.ok(range !== "shape" && range.max > range.min);
  assert.equal(events.filter((l) => l === "range").length, 10, "one event per training neuron");
  events.length = 0;
  const again = await createDatasetFromFiles(options);
  assert.equal(again.previous, "same");
  assert.deepEqual(readInfo(out).normalisation, range);
  assert.equal(events.filter((l) => l === "range").length, 0);
  await assert.rejects(createDatasetFromFiles({ ...options, normalise: "shape" }), /would change normalise dataset → shape/);
});

test("two files with one id are an error naming both; a soma centre needs a soma; nothing readable is an error", async () => {
  const root = tmp();
  fs.copyFileSync(path.join(REAL, "p19.CNG.swc"), path.join(root, "p19.CNG.swc"));
  fs.copyFileSync(path.join(REAL, "p19.CNG.swc"), path.join(root, "p19.swc"));
  await assert.rejects(
    createDatasetFromFiles({ out: path.join(root, "ds"), inputs: [root] }),
    new RegExp(`${root}/p19\\.CNG\\.swc and ${root}/p19\\.swc have the same id "p19"`),
  );
  const clouds = tmp();
  fs.copyFileSync(path.resolve(__dirname, "../fixtures/io/upstream_neuron_um.npy"), path.join(clouds, "cloud.npy"));
  await assert.rejects(
    createDatasetFromFiles({ out: path.join(clouds, "ds"), inputs: [clouds], centre: "soma" }),
    (e: unknown) => e instanceof ConfigError && /centre "soma" needs a soma position, and 1 file\(s\) give none/.test(e.message),
  );
  assert.equal(readInfo((await createDatasetFromFiles({ out: path.join(clouds, "ds"), inputs: [clouds] })).dataset.dir).centre, "mean");
  await assert.rejects(
    createDatasetFromFiles({ out: path.join(root, "ds"), inputs: [BAD, path.resolve(__dirname, "../fixtures/swc/negative_radius.swc")] }),
    /none of the 2 neuron files could be read \(.*parent_cycle\.swc:2: sample 2 is its own ancestor .*; .*negative_radius\.swc:2: radius: expected >= 0, found -0\.5\)/,
  );
  await assert.rejects(
    createDatasetFromFiles({ out: path.join(root, "ds"), inputs: [path.join(REAL, "labels.csv")] }),
    /labels\.csv: not a neuron file; expected one of \.npz, \.npy, \.ply, \.swc/,
  );
});
