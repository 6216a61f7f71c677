import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ParseError } from "../../lib/core";
import { readSwc, readSwcFile, formatSwc, writeSwcFile } from "../../lib/io";
import { sampleSurface } from "../../lib/neuron";

const FIXTURES = path.resolve(__dirname, "../fixtures/swc");
const EDGE = path.join(FIXTURES, "neurom");
const REAL = path.join(FIXTURES, "real-sample");

const swcFiles = (dir: string): string[] =>
  fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".swc"))
    .sort();

/** Edge-case files we refuse, with the line and the reason the error must give. */
const REJECTED: Record<string, { line: number; what: RegExp }> = {
  "Neuron_missing_ids.swc": { line: 42, what: /parent 7 of sample 8 not found/ },
  "Neuron_missing_parents.swc": { line: 40, what: /parent 5 of sample 6 not found/ },
  "repeated_id.swc": { line: 6, what: /id 4 repeated \(first on line 5\)/ },
  "soma_bifurcating_soma.swc": { line: 5, what: /soma sample 1 has 2 soma children/ },
  "soma_with_neurite_parent.swc": { line: 8, what: /soma sample 6 has parent 5 of type 3/ },
};

function countSampleLines(text: string): number {
  return text.split("\n").filter((l) => l.replace(/#.*/, "").trim().length > 0).length;
}

test("every edge-case file loads with all its samples or is refused naming file and line", () => {
  const files = swcFiles(EDGE);
  assert.ok(files.length >= 50, `expected the NeuroM edge cases, found ${files.length} files`);
  for (const f of files) {
    const file = path.join(EDGE, f);
    const rejected = REJECTED[f];
    if (rejected) {
      assert.throws(
        () => readSwcFile(file),
        (e: unknown) =>
          e instanceof ParseError &&
          e.file === file &&
          e.line === rejected.line &&
          e.message.startsWith(`${file}:${rejected.line}: `) &&
          rejected.what.test(e.message),
        f,
      );
      continue;
    }
    const m = readSwcFile(file);
    assert.equal(m.count, countSampleLines(fs.readFileSync(file, "utf8")), f);
    const s = sampleSurface(m, { count: 500, random: 1 });
    assert.equal(s.points.length, 1500, f);
    assert.ok(s.points.every(Number.isFinite), `${f}: non-finite point`);
    let spread = 0;
    for (let i = 3; i < s.points.length; i++) spread += Math.abs(s.points[i]! - s.points[i % 3]!);
    assert.ok(spread > 0, `${f}: all points coincide`);
  }
});

test("oddities that load are reported as findings", () => {
  const kinds = (f: string): string[] => readSwcFile(path.join(EDGE, f)).findings.map((x) => x.kind);
  assert.deepEqual(kinds("Neuron_disconnected_components.swc"), ["disconnected"]);
  assert.match(
    readSwcFile(path.join(EDGE, "Neuron_disconnected_components.swc")).findings[0]!.message,
    /5 separate trees \(4 not attached/,
  );
  assert.deepEqual(kinds("multiple_somata.swc"), ["multiple-somata"]);
  assert.deepEqual(kinds("Single_apical_no_soma.swc"), ["no-soma"]);
  assert.deepEqual(kinds("random_trunk_off_0_16pt.swc"), ["no-soma"]);
  assert.deepEqual(kinds("simple.swc"), []);
  assert.deepEqual(kinds("soma_three_pt_soma.swc"), []);
});

test("samples out of order give the same skeleton as ordered ones", () => {
  const key = (f: string): string[] => {
    const m = readSwcFile(path.join(EDGE, f));
    const rows: string[] = [];
    for (let i = 0; i < m.count; i++) {
      const p = m.parents[i]!;
      const at = (j: number): string => Array.from(m.positions.subarray(3 * j, 3 * j + 3)).join(",");
      rows.push(`${m.types[i]} ${at(i)} r${m.radii[i]} <- ${p < 0 ? "root" : at(p)}`);
    }
    return rows.sort();
  };
  assert.deepEqual(key("simple_reversed.swc"), key("simple.swc"));
  assert.deepEqual(key("ordering_sample_disordered.swc"), key("ordering_sample.swc"));
  assert.deepEqual(key("sequential_trunk_off_42_16pt.swc"), key("sequential_trunk_off_1_16pt.swc"));
  assert.deepEqual(key("non_increasing_trunk_off_1_16pt.swc").length, 16);
});

test("the soma centre is the mean of the first soma's samples", () => {
  assert.deepEqual(readSwcFile(path.join(EDGE, "simple-different-soma.swc")).soma, [2, 3, 4]);
  const t = readSwcFile(path.join(EDGE, "Soma_translated_1.swc")).soma;
  assert.ok(Math.abs(t[0] - 3.1 / 3) < 1e-12 && Math.abs(t[1] - 3.1 / 3) < 1e-12 && t[2] === 1);
  // No soma: the root stands in.
  assert.deepEqual(readSwcFile(path.join(EDGE, "Single_apical_no_soma.swc")).soma, [0, 0, 0]);
});

test("malformed files are refused with file:line and what was expected", () => {
  const cases: Array<[string, number, RegExp]> = [
    ["too_few_fields.swc", 3, /expected 7 fields \(id type x y z radius parent\), found 6/],
    ["non_numeric_coordinate.swc", 2, /y: expected a number, found "zero"/],
    ["negative_radius.swc", 2, /radius: expected >= 0, found -0.5/],
    ["parent_cycle.swc", 2, /its own ancestor/],
    ["fractional_id.swc", 2, /id: expected an integer, found "2.5"/],
  ];
  for (const [f, line, what] of cases) {
    const file = path.join(FIXTURES, f);
    assert.throws(
      () => readSwcFile(file),
      (e: unknown) => e instanceof ParseError && e.line === line && e.message.startsWith(`${file}:${line}: `) && what.test(e.message),
      f,
    );
  }
  const empty = path.join(FIXTURES, "no_samples.swc");
  assert.throws(
    () => readSwcFile(empty),
    (e: unknown) =>
      e instanceof ParseError && e.message === `${empty}: no samples: expected lines of the form \`id type x y z radius parent\``,
  );
});

test("CRLF line endings and trailing comments are accepted", () => {
  const m = readSwcFile(path.join(FIXTURES, "crlf_line_endings.swc"));
  assert.equal(m.count, 3);
  assert.deepEqual(Array.from(m.parents), [-1, 0, 1]);
  assert.equal(m.positions[8], 2);
});

test("a skeleton without surface is sampled on its segments, a single point at the point", () => {
  const line = sampleSurface(readSwcFile(path.join(FIXTURES, "zero_radius_everywhere.swc")), { count: 1000, random: 3 });
  assert.equal(line.finding?.kind, "zero-surface");
  for (let i = 0; i < 1000; i++) {
    assert.equal(line.points[3 * i], 0);
    assert.equal(line.points[3 * i + 1], 0);
    const z = line.points[3 * i + 2]!;
    assert.ok(z >= 0 && z <= 2);
  }
  const point = sampleSurface(readSwcFile(path.join(FIXTURES, "zero_radius_single_point.swc")), { count: 10 });
  assert.ok(point.points.every((v) => v === 0));
  assert.match(point.finding!.message, /neither surface nor length/);
});

test("the twelve real NeuroMorpho neurons load and sample within their extent", () => {
  const files = swcFiles(REAL);
  assert.equal(files.length, 12);
  for (const f of files) {
    const file = path.join(REAL, f);
    const m = readSwcFile(file);
    assert.equal(m.count, countSampleLines(fs.readFileSync(file, "utf8")), f);
    assert.ok(m.count > 1000, f);
    let maxR = 0;
    const lo = [Infinity, Infinity, Infinity];
    const hi = [-Infinity, -Infinity, -Infinity];
    for (let i = 0; i < m.count; i++) {
      maxR = Math.max(maxR, m.radii[i]!);
      for (let a = 0; a < 3; a++) {
        lo[a] = Math.min(lo[a]!, m.positions[3 * i + a]!);
        hi[a] = Math.max(hi[a]!, m.positions[3 * i + a]!);
      }
    }
    const s = sampleSurface(m, { count: 20_000, random: 7 });
    for (let i = 0; i < s.points.length; i++) {
      const a = i % 3;
      assert.ok(s.points[i]! >= lo[a]! - maxR - 1e-3 && s.points[i]! <= hi[a]! + maxR + 1e-3, `${f}: point outside the skeleton's extent`);
    }
  }
});

test("formatSwc writes what readSwc reads back", () => {
  const m = readSwcFile(path.join(EDGE, "simple_reversed.swc"));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "swc-"));
  const file = path.join(dir, "round.swc");
  writeSwcFile(file, m, ["written by a test"]);
  const back = readSwcFile(file);
  assert.equal(back.count, m.count);
  assert.deepEqual(Array.from(back.positions), Array.from(m.positions));
  assert.deepEqual(Array.from(back.radii), Array.from(m.radii));
  assert.deepEqual(Array.from(back.parents), Array.from(m.parents));
  assert.deepEqual(Array.from(back.types), Array.from(m.types));
  assert.match(formatSwc(m), /^# id type x y z radius parent\n1 1 0 0 0 1 -1\n/);
  assert.equal(readSwc("1 1 0 0 0 1 -1 extra\n", "x.swc").findings[0]!.kind, "extra-columns");
});
