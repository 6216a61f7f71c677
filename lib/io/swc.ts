import * as fs from "node:fs";
import * as path from "node:path";
import { ParseError, writeFileAtomic } from "../core";
import { morphology, SWC_TYPES } from "../neuron";
import type { Morphology, MorphologyFinding } from "../neuron";

/**
 * SWC morphology files: one sample per line, `id type x y z radius parent`,
 * `#` starts a comment (also after the fields), blank lines are ignored.
 *
 * What loads: samples in any order (parents after children), ids that do not
 * start at 1 or have gaps, custom and undefined types, zero radii and zero
 * lengths, several trees, several somata, no soma, one-point, three-point and
 * multi-sample somata. Such oddities are returned as `findings`.
 *
 * What is refused (ParseError `file:line: what`): fewer than 7 fields or a
 * field that is not a number, non-integer ids, negative or non-finite radii,
 * repeated ids, a parent id that no sample has, cycles, a soma sample hanging
 * from a neurite, and a soma that branches anywhere but at its root (the
 * NeuroMorpho three-point soma branches at its root and is valid).
 */
export function readSwc(text: string, file = "<swc>"): Morphology {
  const ids: number[] = [];
  const types: number[] = [];
  const positions: number[] = [];
  const radii: number[] = [];
  const parentIds: number[] = [];
  const lines: number[] = [];
  let extraColumnsLine = 0;

  let lineNo = 0;
  let start = 0;
  if (text.charCodeAt(0) === 0xfeff) start = 1;
  const n = text.length;
  while (start <= n) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = n;
    lineNo++;
    let line = text.slice(start, end);
    start = end + 1;
    const hash = line.indexOf("#");
    if (hash >= 0) line = line.slice(0, hash);
    line = line.trim();
    if (line.length === 0) {
      if (end === n) break;
      continue;
    }
    const f = line.split(/[\s,]+/);
    if (f.length < 7) {
      throw new ParseError(file, { line: lineNo }, `expected 7 fields (id type x y z radius parent), found ${f.length}: "${line}"`);
    }
    if (f.length > 7 && extraColumnsLine === 0) extraColumnsLine = lineNo;
    const num = (k: number, name: string): number => {
      const v = Number(f[k]);
      if (!Number.isFinite(v)) {
        throw new ParseError(file, { line: lineNo }, `${name}: expected a number, found "${f[k]}"`);
      }
      return v;
    };
    const int = (k: number, name: string): number => {
      const v = num(k, name);
      if (!Number.isSafeInteger(v)) throw new ParseError(file, { line: lineNo }, `${name}: expected an integer, found "${f[k]}"`);
      return v;
    };
    const id = int(0, "id");
    if (id < 0) throw new ParseError(file, { line: lineNo }, `id: expected a non-negative integer, found ${id}`);
    const type = int(1, "type");
    const x = num(2, "x");
    const y = num(3, "y");
    const z = num(4, "z");
    const r = num(5, "radius");
    if (r < 0) throw new ParseError(file, { line: lineNo }, `radius: expected >= 0, found ${r}`);
    const parent = int(6, "parent");
    if (parent < -1) {
      throw new ParseError(file, { line: lineNo }, `parent: expected -1 (a root) or the id of another sample, found ${parent}`);
    }
    ids.push(id);
    types.push(type);
    positions.push(x, y, z);
    radii.push(r);
    parentIds.push(parent);
    lines.push(lineNo);
    if (end === n) break;
  }

  const count = ids.length;
  if (count === 0) {
    throw new ParseError(file, {}, "no samples: expected lines of the form `id type x y z radius parent`");
  }

  const indexOf = new Map<number, number>();
  for (let i = 0; i < count; i++) {
    const first = indexOf.get(ids[i]!);
    if (first !== undefined) {
      throw new ParseError(file, { line: lines[i]! }, `id ${ids[i]} repeated (first on line ${lines[first]})`);
    }
    indexOf.set(ids[i]!, i);
  }

  const parents = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const pid = parentIds[i]!;
    if (pid === -1) {
      parents[i] = -1;
      continue;
    }
    const p = indexOf.get(pid);
    if (p === undefined) {
      throw new ParseError(file, { line: lines[i]! }, `parent ${pid} of sample ${ids[i]} not found (no sample has id ${pid})`);
    }
    if (p === i) throw new ParseError(file, { line: lines[i]! }, `sample ${ids[i]} is its own parent`);
    parents[i] = p;
  }

  checkAcyclic(file, ids, parents, lines);
  checkSoma(file, ids, types, parents, lines);

  const findings: MorphologyFinding[] = [];
  if (extraColumnsLine > 0) {
    findings.push({
      kind: "extra-columns",
      message: `line ${extraColumnsLine} and maybe others have more than 7 fields; the extra fields were ignored`,
    });
  }
  return morphology({ file, ids, types, positions, radii, parents, lines, findings });
}

/** Reads an SWC file; errors name the file as given. */
export function readSwcFile(file: string): Morphology {
  return readSwc(fs.readFileSync(file, "utf8"), file);
}

/** Writes a Morphology as SWC text (ids renumbered 1..n in the given order). */
export function formatSwc(m: Morphology, header: string[] = []): string {
  const out: string[] = header.map((h) => `# ${h}`);
  out.push("# id type x y z radius parent");
  const fmt = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(4).replace(/\.?0+$/, ""));
  for (let i = 0; i < m.count; i++) {
    const p = m.parents[i]!;
    out.push(
      `${i + 1} ${m.types[i]} ${fmt(m.positions[3 * i]!)} ${fmt(m.positions[3 * i + 1]!)} ${fmt(m.positions[3 * i + 2]!)} ${fmt(m.radii[i]!)} ${p < 0 ? -1 : p + 1}`,
    );
  }
  return out.join("\n") + "\n";
}

/** Writes a Morphology to an .swc file (creating folders). */
export function writeSwcFile(file: string, m: Morphology, header: string[] = []): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomic(file, formatSwc(m, header));
}

function checkAcyclic(file: string, ids: number[], parents: Int32Array, lines: number[]): void {
  const n = parents.length;
  // 0 unvisited, 1 on the current walk, 2 known to reach a root.
  const state = new Uint8Array(n);
  const walk: number[] = [];
  for (let i = 0; i < n; i++) {
    if (state[i] !== 0) continue;
    walk.length = 0;
    let j = i;
    while (j >= 0 && state[j] === 0) {
      state[j] = 1;
      walk.push(j);
      j = parents[j]!;
    }
    if (j >= 0 && state[j] === 1) {
      throw new ParseError(file, { line: lines[j]! }, `sample ${ids[j]} is its own ancestor (the parent links form a cycle)`);
    }
    for (const k of walk) state[k] = 2;
  }
}

function checkSoma(file: string, ids: number[], types: number[], parents: Int32Array, lines: number[]): void {
  const n = parents.length;
  const somaChildren = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (types[i] !== SWC_TYPES.soma) continue;
    const p = parents[i]!;
    if (p < 0) continue;
    if (types[p] !== SWC_TYPES.soma) {
      throw new ParseError(
        file,
        { line: lines[i]! },
        `soma sample ${ids[i]} has parent ${ids[p]} of type ${types[p]}; a soma sample must be a root or the child of another soma sample`,
      );
    }
    somaChildren[p]!++;
  }
  for (let i = 0; i < n; i++) {
    if (somaChildren[i]! > 1 && parents[i]! >= 0) {
      throw new ParseError(
        file,
        { line: lines[i]! },
        `soma sample ${ids[i]} has ${somaChildren[i]} soma children; a soma may branch only at its root (as the three-point soma does)`,
      );
    }
  }
}
