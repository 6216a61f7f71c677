import { Random } from "../core";
import type { Morphology } from "../neuron";
import type { Figure } from "./figure";
import { occupiedVoxels } from "./reconstruction";
import { THEME, themed } from "./theme";

/**
 * Interactive 3-D views of one neuron: its surface point cloud, its skeleton,
 * and its occupancy grids. y is cortical depth and drawn growing downwards.
 */
const TYPE_NAMES: Record<number, string> = { 1: "soma", 2: "axon", 3: "basal dendrite", 4: "apical dendrite" };
const TYPE_COLORS: Record<number, string> = { 1: "#000000", 2: THEME.categorical[5], 3: THEME.categorical[0], 4: THEME.categorical[2] };

function typeColor(t: number): string {
  return TYPE_COLORS[t] ?? THEME.categorical[8];
}

function typeName(t: number): string {
  return TYPE_NAMES[t] ?? `type ${t}`;
}

/** A 3-D scene whose screen-up is -y, so the pia (small depth) is at the top. */
function scene(aspect: "data" | "cube", range?: [number, number]): Record<string, unknown> {
  const axis = (name: string): Record<string, unknown> => ({ title: { text: name }, showbackground: false, ...(range ? { range } : {}) });
  return {
    aspectmode: aspect,
    xaxis: axis("x"),
    yaxis: axis("y (depth)"),
    zaxis: axis("z"),
    camera: { eye: { x: 1.5, y: 0.5, z: 1.3 }, up: { x: 0, y: -1, z: 0 } },
  };
}

/** Options for neuronCloudFigure; every field optional. */
export interface NeuronCloudFigureOptions {
  /** Draw at most this many points, a seeded random subset (default 20,000: browsers slow down beyond). */
  maxPoints?: number;
  /** Per-point SWC type (from sampleSurface withTypes) to colour compartments. */
  types?: Uint8Array;
  /** Soma position, drawn as a marker. */
  soma?: readonly [number, number, number];
  title?: string;
  /** Marker size in pixels (default 1.5). */
  markerSize?: number;
  seed?: number;
}

/** A neuron's point cloud as interactive 3-D markers, true proportions kept. */
export function neuronCloudFigure(points: Float32Array, options: NeuronCloudFigureOptions = {}): Figure {
  const n = points.length / 3;
  const max = options.maxPoints ?? 20_000;
  let idx: number[];
  if (n <= max) idx = Array.from({ length: n }, (_, i) => i);
  else idx = new Random(options.seed ?? 1996).sampleWithoutReplacement(n, max).sort((a, b) => a - b);
  const groups = new Map<number, number[]>();
  for (const i of idx) {
    const t = options.types ? options.types[i]! : -1;
    if (!groups.has(t)) groups.set(t, []);
    groups.get(t)!.push(i);
  }
  const data: Array<Record<string, unknown>> = [...groups.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([t, members]) => ({
      type: "scatter3d",
      mode: "markers",
      name: t < 0 ? `${members.length.toLocaleString("en")} of ${n.toLocaleString("en")} points` : typeName(t),
      x: members.map((i) => points[3 * i]!),
      y: members.map((i) => points[3 * i + 1]!),
      z: members.map((i) => points[3 * i + 2]!),
      marker: { size: options.markerSize ?? 1.5, color: t < 0 ? THEME.truth : typeColor(t), opacity: 0.7 },
      hoverinfo: "skip",
    }));
  if (options.soma) {
    data.push({
      type: "scatter3d",
      mode: "markers",
      name: "soma centre",
      x: [options.soma[0]],
      y: [options.soma[1]],
      z: [options.soma[2]],
      marker: { size: 6, color: "#000000", symbol: "diamond" },
    });
  }
  return themed({
    data,
    layout: { title: options.title ?? "Point cloud", width: 700, height: 600, scene: scene("data"), margin: { l: 0, r: 0, t: 50, b: 0 } },
  });
}

/** A skeleton as line segments coloured by compartment type. */
export function neuronSkeletonFigure(m: Morphology, options: { title?: string } = {}): Figure {
  const byType = new Map<number, { x: Array<number | null>; y: Array<number | null>; z: Array<number | null> }>();
  for (let i = 0; i < m.count; i++) {
    const p = m.parents[i]!;
    if (p < 0) continue;
    const t = m.types[i]!;
    if (!byType.has(t)) byType.set(t, { x: [], y: [], z: [] });
    const g = byType.get(t)!;
    g.x.push(m.positions[3 * p]!, m.positions[3 * i]!, null);
    g.y.push(m.positions[3 * p + 1]!, m.positions[3 * i + 1]!, null);
    g.z.push(m.positions[3 * p + 2]!, m.positions[3 * i + 2]!, null);
  }
  const data: Array<Record<string, unknown>> = [...byType.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([t, g]) => ({
      type: "scatter3d",
      mode: "lines",
      name: typeName(t),
      ...g,
      line: { color: typeColor(t), width: 3 },
      hoverinfo: "skip",
    }));
  data.push({
    type: "scatter3d",
    mode: "markers",
    name: "soma",
    x: [m.soma[0]],
    y: [m.soma[1]],
    z: [m.soma[2]],
    marker: { size: 6, color: "#000000" },
  });
  return themed({
    data,
    layout: { title: options.title ?? m.file, width: 700, height: 600, scene: scene("data"), margin: { l: 0, r: 0, t: 50, b: 0 } },
  });
}

/** Options for neuronVoxelFigure; every field optional. */
export interface NeuronVoxelFigureOptions {
  title?: string;
  color?: string;
  /** Marker size in pixels (default: 4 at 64³, 2 at 128³). */
  markerSize?: number;
}

/** An occupancy grid (size³, x-major) as interactive 3-D voxels in the full grid cube. */
export function neuronVoxelFigure(data: ArrayLike<number>, size: number, options: NeuronVoxelFigureOptions = {}): Figure {
  if (data.length !== size ** 3) throw new RangeError(`neuronVoxelFigure: a ${size}³ grid has ${size ** 3} voxels, found ${data.length}`);
  const v = occupiedVoxels(data, size, 0.5, 0);
  return themed({
    data: [
      {
        type: "scatter3d",
        mode: "markers",
        name: `${v.x.length.toLocaleString("en")} occupied voxels`,
        ...v,
        marker: { size: options.markerSize ?? (size <= 64 ? 4 : 2), symbol: "square", color: options.color ?? THEME.truth, opacity: 0.85 },
        hoverinfo: "skip",
      },
    ],
    layout: {
      title: options.title ?? `${size}³ voxels`,
      width: 700,
      height: 600,
      scene: scene("cube", [0, size - 1]),
      margin: { l: 0, r: 0, t: 50, b: 0 },
      showlegend: true,
    },
  });
}

/** One neuron as point cloud and as grids side by side (one scene each). */
export function neuronViewsFigure(
  cloud: { points: Float32Array; soma?: readonly [number, number, number] },
  grids: Array<{ data: ArrayLike<number>; size: number }>,
  options: { title?: string; maxPoints?: number } = {},
): Figure {
  const panels = 1 + grids.length;
  const c = neuronCloudFigure(cloud.points, { maxPoints: options.maxPoints ?? 15_000, soma: cloud.soma });
  const data: Array<Record<string, unknown>> = c.data.map((t) => ({ ...t, scene: "scene" }));
  const layout: Record<string, unknown> = {
    title: options.title ?? "Neuron as point cloud and voxels",
    width: 420 * panels,
    height: 480,
    margin: { l: 0, r: 0, t: 50, b: 0 },
    legend: { orientation: "h", y: -0.02 },
    scene: { ...scene("data"), domain: { x: [0, 1 / panels], y: [0, 1] } },
  };
  grids.forEach((g, k) => {
    const name = `scene${k + 2}`;
    const v = neuronVoxelFigure(g.data, g.size);
    data.push({
      ...v.data[0]!,
      name: `${g.size}³: ${v.data[0]!.name as string}`,
      scene: name,
      marker: { ...(v.data[0]!.marker as object), color: THEME.categorical[(k + 1) % THEME.categorical.length] },
    });
    layout[name] = { ...scene("cube", [0, g.size - 1]), domain: { x: [(k + 1) / panels, (k + 2) / panels], y: [0, 1] } };
  });
  return themed({ data, layout });
}
