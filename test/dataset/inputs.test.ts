import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { findSourceFiles, matchLabels, sourceId, sourceIds } from "../../lib/dataset";
import { sources, tmp } from "./sources";

test("input folders are searched recursively for neuron files; hidden names and a link back up are passed over", () => {
  const { root, swc } = sources();
  fs.symlinkSync(swc, path.join(swc, "b", "loop"));
  fs.writeFileSync(path.join(swc, "notes.txt"), "not a neuron\n");
  const single = path.join(swc, "b", "deeper", "p19.CNG.swc");
  const files = findSourceFiles([single, swc, path.join(swc, "a", "LLC7B-1.CNG.swc")]);
  assert.equal(files.length, 13, "twelve neurons and the bad SWC, each once");
  assert.ok(files.every((f) => path.isAbsolute(f) && f.endsWith(".swc") && !path.basename(f).startsWith(".")));
  assert.equal(files[0], single, "in the order of the inputs");
  assert.deepEqual(files.slice(1), [...files.slice(1)].sort(), "a folder's files by name");
  assert.throws(() => findSourceFiles([path.join(root, "missing")]), /missing: no such file or directory/);
  assert.throws(() => findSourceFiles([tmp()]), /no neuron files \(\.npz, \.npy, \.ply, \.swc\) in /);
});

test("ids are file names without the extension and NeuroMorpho's .CNG; ids sharing a cache name clash", () => {
  assert.equal(sourceId("/data/LLC7B-1.CNG.swc"), "LLC7B-1");
  assert.equal(sourceId("/data/864691135012345678.npz"), "864691135012345678");
  assert.equal(sourceId("/data/cell.v2.ply"), "cell.v2");
  assert.deepEqual(sourceIds(["/a/x.swc", "/b/y.npz"]), ["x", "y"]);
  assert.throws(() => sourceIds(["/a/x.swc", "/b/x.npz"]), /\/a\/x\.swc and \/b\/x\.npz have the same id "x"; rename one or leave it out$/);
  assert.throws(
    () => sourceIds(["/a/a b.swc", "/b/a_b.swc"]),
    /\/a\/a b\.swc and \/b\/a_b\.swc have ids "a b" and "a_b", which share a cache file name/,
  );
});

test("label rows match neurons by file name, path, name without extension or id; two rows for one neuron are an error", () => {
  const files = [
    { id: "LLC7B-1", file: "/d/LLC7B-1.CNG.swc" },
    { id: "p19", file: "/d/p19.CNG.swc" },
    { id: "c", file: "/d/c.npz" },
  ];
  const table = {
    file: "t.csv",
    columns: ["name", "family"],
    rows: [
      { name: "swc/LLC7B-1.CNG.swc", family: "a" },
      { name: "p19.CNG", family: "b" },
      { name: "c", family: null },
      { name: "x", family: "d" },
    ],
  };
  const m = matchLabels(table, files);
  assert.equal(m.idColumn, "name", "the first column when there is no id column");
  assert.deepEqual(m.columns, ["family"]);
  assert.deepEqual(
    [...m.rows].map(([id, r]) => [id, r.family]),
    [
      ["LLC7B-1", "a"],
      ["p19", "b"],
      ["c", ""],
    ],
  );
  assert.deepEqual(m.unmatched, [{ row: 5, key: "x" }]);
  assert.deepEqual(m.unlabelled, []);
  const twice = { ...table, rows: [...table.rows, { name: "p19", family: "e" }] };
  assert.throws(() => matchLabels(twice, files), /t\.csv: rows 3 and 6 both label neuron "p19"; keep one/);
  assert.throws(() => matchLabels(table, files, "neuron"), /t\.csv: no id column "neuron"; the columns are "name", "family"/);
});
