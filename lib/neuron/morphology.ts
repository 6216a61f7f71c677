/**
 * A neuron skeleton as typed arrays: one entry per sample (SWC line), each a
 * point with a radius, a compartment type and the index of its parent sample.
 * Readers (lib/io/swc.ts, generators in lib/synthetic) build it; samplers and
 * voxelisers only read it.
 */
export interface Morphology {
  /** Where it came from, for messages. */
  file: string;
  /** Number of samples. */
  count: number;
  /** The SWC sample ids as written in the file. */
  ids: Float64Array;
  /** SWC compartment type per sample (1 soma, 2 axon, 3 basal, 4 apical, others custom). */
  types: Int32Array;
  /** x, y, z per sample, interleaved (length 3 * count). */
  positions: Float64Array;
  radii: Float64Array;
  /** Index (not id) of each sample's parent, -1 for a root. Parents need not come first. */
  parents: Int32Array;
  /** Source line of each sample (0 when not read from a file). */
  lines: Int32Array;
  /** Soma centre: the mean of the first soma's samples, or the first root when there is no soma. */
  soma: [number, number, number];
  /** Data-quality findings that did not stop loading (several trees, no soma, ...). */
  findings: MorphologyFinding[];
}

export type MorphologyFindingKind = "no-soma" | "multiple-somata" | "disconnected" | "zero-surface" | "extra-columns";

export interface MorphologyFinding {
  kind: MorphologyFindingKind;
  message: string;
}

/** The standard SWC compartment types; other numbers are kept as custom types. */
export const SWC_TYPES = {
  undefined: 0,
  soma: 1,
  axon: 2,
  basal: 3,
  apical: 4,
} as const;

/** Parameters for building a Morphology from plain arrays (generators, tests). */
export interface MorphologyArrays {
  file?: string;
  ids?: ArrayLike<number>;
  types: ArrayLike<number>;
  positions: ArrayLike<number>;
  radii: ArrayLike<number>;
  /** Parent index per sample, -1 for roots. */
  parents: ArrayLike<number>;
  lines?: ArrayLike<number>;
  findings?: MorphologyFinding[];
}

/**
 * The soma groups of a skeleton: connected runs of soma samples, each listed
 * by sample index, in order of their first sample.
 */
export function somaGroups(types: ArrayLike<number>, parents: ArrayLike<number>): number[][] {
  const n = types.length;
  const groupOf = new Int32Array(n).fill(-1);
  const groups: number[][] = [];
  const rootOf = (i: number): number => {
    let r = i;
    // Walk up while the parent is soma too; bounded by n so a cycle cannot hang.
    for (let steps = 0; steps < n; steps++) {
      const p = parents[r]!;
      if (p < 0 || types[p] !== SWC_TYPES.soma) break;
      r = p;
    }
    return r;
  };
  const byRoot = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    if (types[i] !== SWC_TYPES.soma) continue;
    const root = rootOf(i);
    let g = byRoot.get(root);
    if (g === undefined) {
      g = groups.length;
      byRoot.set(root, g);
      groups.push([]);
    }
    groupOf[i] = g;
    groups[g]!.push(i);
  }
  return groups;
}

/** The centre of the first soma group, or the first root when there is none. */
function somaCentre(types: ArrayLike<number>, positions: ArrayLike<number>, parents: ArrayLike<number>): [number, number, number] {
  const groups = somaGroups(types, parents);
  let members: number[];
  if (groups.length > 0) members = groups[0]!;
  else {
    let root = 0;
    for (let i = 0; i < parents.length; i++) {
      if (parents[i]! < 0) {
        root = i;
        break;
      }
    }
    members = parents.length > 0 ? [root] : [];
  }
  const c: [number, number, number] = [0, 0, 0];
  for (const i of members) {
    c[0] += positions[3 * i]!;
    c[1] += positions[3 * i + 1]!;
    c[2] += positions[3 * i + 2]!;
  }
  const k = Math.max(1, members.length);
  return [c[0] / k, c[1] / k, c[2] / k];
}

/** A Morphology from plain arrays, with the soma centre and findings worked out. */
export function morphology(a: MorphologyArrays): Morphology {
  const count = a.types.length;
  const types = Int32Array.from(a.types);
  const parents = Int32Array.from(a.parents);
  const positions = Float64Array.from(a.positions);
  if (positions.length !== 3 * count || a.radii.length !== count || parents.length !== count) {
    throw new RangeError(
      `morphology: expected ${count} radii/parents and ${3 * count} coordinates, found ${a.radii.length}/${parents.length} and ${positions.length}`,
    );
  }
  const findings = [...(a.findings ?? [])];
  const groups = somaGroups(types, parents);
  if (groups.length === 0 && count > 0) {
    findings.push({ kind: "no-soma", message: "no soma samples (type 1); the first root stands in for the soma" });
  } else if (groups.length > 1) {
    findings.push({
      kind: "multiple-somata",
      message: `${groups.length} separate somata; the first (${groups[0]!.length} samples) is used as the soma`,
    });
  }
  let roots = 0;
  for (let i = 0; i < count; i++) if (parents[i]! < 0) roots++;
  const somaRoots = groups.filter((g) => g.some((i) => parents[i]! < 0)).length;
  // Several somata are already reported; only trees that are not a soma count as fragments.
  const fragments = roots - Math.max(1, somaRoots);
  if (fragments > 0) {
    findings.push({
      kind: "disconnected",
      message: `${roots} separate trees (${fragments} not attached to a soma); all are sampled`,
    });
  }
  return {
    file: a.file ?? "<morphology>",
    count,
    ids: a.ids ? Float64Array.from(a.ids) : Float64Array.from({ length: count }, (_, i) => i + 1),
    types,
    positions,
    radii: Float64Array.from(a.radii),
    parents,
    lines: a.lines ? Int32Array.from(a.lines) : new Int32Array(count),
    soma: somaCentre(types, positions, parents),
    findings,
  };
}

/** Axis-aligned bounds of the sample centres (radii not included). */
export function morphologyBounds(m: Morphology): { min: [number, number, number]; max: [number, number, number] } {
  const min: [number, number, number] = [Infinity, Infinity, Infinity];
  const max: [number, number, number] = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < m.count; i++) {
    for (let a = 0; a < 3; a++) {
      const v = m.positions[3 * i + a]!;
      if (v < min[a]!) min[a] = v;
      if (v > max[a]!) max[a] = v;
    }
  }
  return { min, max };
}

/** How many samples name each sample as their parent. */
export function childCounts(m: Morphology): Int32Array {
  const counts = new Int32Array(m.count);
  for (let i = 0; i < m.count; i++) if (m.parents[i]! >= 0) counts[m.parents[i]!]!++;
  return counts;
}

/**
 * Every sample index once, each parent before its children (roots first, then
 * breadth-first), so a single pass can accumulate along the tree whatever the
 * file's order. A cycle in the parent links is a RangeError.
 */
export function treeOrder(m: Morphology): Int32Array {
  const n = m.count;
  const start = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) if (m.parents[i]! >= 0) start[m.parents[i]! + 1]!++;
  for (let i = 0; i < n; i++) start[i + 1]! += start[i]!;
  const children = new Int32Array(n);
  const fill = start.slice(0, n);
  for (let i = 0; i < n; i++) if (m.parents[i]! >= 0) children[fill[m.parents[i]!]!++] = i;
  const order = new Int32Array(n);
  let size = 0;
  for (let i = 0; i < n; i++) if (m.parents[i]! < 0) order[size++] = i;
  for (let head = 0; head < size; head++) {
    const p = order[head]!;
    for (let c = start[p]!; c < start[p + 1]!; c++) order[size++] = children[c]!;
  }
  if (size !== n) throw new RangeError(`${m.file}: ${n - size} samples are not reachable from a root (the parent links form a cycle)`);
  return order;
}
