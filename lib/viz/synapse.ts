import type { Figure } from "./figure";
import { encodeGif } from "./gif";
import { grayImage, tileImages } from "./image";
import type { Image } from "./image";
import { boxColor, THEME } from "./theme";

/** How synapse maps are coloured: a fixed colour per box, per cluster, or per known type. */
export type SynapseColoring = "box" | "cluster" | "type";

export interface SynapseMapOptions {
  title?: string;
  colorBy?: SynapseColoring;
  /** One id per point (hover text, and how `marked` finds points). */
  ids?: readonly string[];
  /** Ids to mark with a ring and a label (hand-picked samples). */
  marked?: readonly string[];
  /** Axis names (default "UMAP 1", "UMAP 2"…). */
  axisPrefix?: string;
}

function naturalOrder(a: string, b: string): number {
  return a.localeCompare(b, undefined, { numeric: true });
}

function groupColor(colorBy: SynapseColoring, group: string, index: number): string {
  if (colorBy === "box") return boxColor(group);
  return THEME.categorical[index % THEME.categorical.length]!;
}

/**
 * Scatter of synapses in a 2-D or 3-D map (UMAP, t-SNE), one trace per
 * group so the legend lists boxes or clusters; marked synapses get a black
 * ring and their id.
 */
export function synapseMap(points: ReadonlyArray<ArrayLike<number>>, groups: readonly string[], options: SynapseMapOptions = {}): Figure {
  if (points.length !== groups.length) throw new RangeError(`synapseMap: ${points.length} points but ${groups.length} group labels`);
  const dims = points.length > 0 ? points[0]!.length : 2;
  if (dims !== 2 && dims !== 3) throw new RangeError(`synapseMap: points must have 2 or 3 coordinates, found ${dims}`);
  const colorBy = options.colorBy ?? "cluster";
  const prefix = options.axisPrefix ?? "UMAP";
  const ids = options.ids ?? points.map((_, i) => String(i));
  const kind = dims === 3 ? "scatter3d" : "scattergl";
  const names = [...new Set(groups)].sort(naturalOrder);
  const data: Array<Record<string, unknown>> = names.map((g, gi) => {
    const idx = groups.map((x, i) => (x === g ? i : -1)).filter((i) => i >= 0);
    const trace: Record<string, unknown> = {
      type: kind,
      mode: "markers",
      name: colorBy === "cluster" ? `cluster ${g}` : g,
      x: idx.map((i) => points[i]![0]),
      y: idx.map((i) => points[i]![1]),
      text: idx.map((i) => ids[i]),
      hovertemplate: "%{text}<extra>%{fullData.name}</extra>",
      marker: { color: groupColor(colorBy, g, gi), size: dims === 3 ? 4 : 8, line: { color: "#ffffff", width: 0.5 } },
    };
    if (dims === 3) trace.z = idx.map((i) => points[i]![2]);
    return trace;
  });
  const marked = (options.marked ?? []).map((id) => ids.indexOf(id)).filter((i) => i >= 0);
  if (marked.length > 0) {
    const trace: Record<string, unknown> = {
      type: dims === 3 ? "scatter3d" : "scatter",
      mode: "markers+text",
      name: "marked samples",
      x: marked.map((i) => points[i]![0]),
      y: marked.map((i) => points[i]![1]),
      text: marked.map((i) => ids[i]),
      textposition: "top center",
      textfont: { size: 10 },
      marker: { symbol: "circle-open", size: dims === 3 ? 8 : 16, color: "#000000", line: { width: 2 } },
      hoverinfo: "text",
    };
    if (dims === 3) trace.z = marked.map((i) => points[i]![2]);
    data.push(trace);
  }
  const layout: Record<string, unknown> = {
    title: options.title ?? `${prefix} of synapse features by ${colorBy}`,
    legend: { title: { text: colorBy } },
  };
  if (dims === 3)
    layout.scene = {
      xaxis: { title: { text: `${prefix} 1` } },
      yaxis: { title: { text: `${prefix} 2` } },
      zaxis: { title: { text: `${prefix} 3` } },
    };
  else {
    layout.xaxis = { title: { text: `${prefix} 1` } };
    layout.yaxis = { title: { text: `${prefix} 2` } };
  }
  return { data, layout };
}

/** Inertia (elbow) and mean silhouette per k, with the chosen k marked. */
export function elbowFigure(points: ReadonlyArray<{ k: number; inertia: number; silhouette?: number }>, chosenK?: number): Figure {
  const data: Array<Record<string, unknown>> = [
    {
      type: "scatter",
      mode: "lines+markers",
      name: "inertia",
      x: points.map((p) => p.k),
      y: points.map((p) => p.inertia),
      marker: { color: THEME.categorical[0] },
    },
  ];
  const withSil = points.filter((p) => p.silhouette !== undefined);
  if (withSil.length > 0) {
    data.push({
      type: "scatter",
      mode: "lines+markers",
      name: "silhouette",
      x: withSil.map((p) => p.k),
      y: withSil.map((p) => p.silhouette),
      yaxis: "y2",
      marker: { color: THEME.categorical[1] },
    });
  }
  const layout: Record<string, unknown> = {
    title: "Choosing k: elbow of the k-means inertia and silhouette",
    xaxis: { title: { text: "k" }, dtick: 1 },
    yaxis: { title: { text: "inertia" } },
    yaxis2: { title: { text: "mean silhouette" }, overlaying: "y", side: "right", showgrid: false },
  };
  if (chosenK !== undefined)
    layout.shapes = [{ type: "line", x0: chosenK, x1: chosenK, yref: "paper", y0: 0, y1: 1, line: { dash: "dot", color: "#555555" } }];
  return { data, layout };
}

/** A slice of a synapse crop: `values` and `mask` are `[z][y][x]` cubes of side `size`. */
export interface SynapseSliceSource {
  values: ArrayLike<number>;
  mask?: ArrayLike<number>;
  size: number;
  /** The slice a single-slice view shows (default the centre, size / 2). */
  z?: number;
}

/**
 * One z slice as an RGBA image; mask voxels are tinted with `tint` (default
 * orange, 35 %) so the segmented structure shows over the EM texture.
 */
export function synapseSlice(
  src: SynapseSliceSource,
  z = src.z ?? Math.floor(src.size / 2),
  tint: [number, number, number] = [230, 159, 0],
  strength = 0.35,
): Image {
  const n = src.size;
  const plane = n * n;
  const gray = grayImage(
    Array.from({ length: plane }, (_, i) => src.values[z * plane + i]!),
    n,
    n,
  );
  const pixels = new Uint8Array(plane * 4);
  for (let i = 0; i < plane; i++) {
    const g = gray.pixels[i]!;
    const m = src.mask ? src.mask[z * plane + i]! : 0;
    for (let c = 0; c < 3; c++) pixels[i * 4 + c] = m ? Math.round((1 - strength) * g + strength * tint[c]!) : g;
    pixels[i * 4 + 3] = 255;
  }
  return { width: n, height: n, channels: 4, pixels };
}

/**
 * Sample synapses per cluster: one row per cluster, centre slices with the
 * mask tinted, `perRow` columns (shorter rows are padded with blank tiles).
 */
export function clusterSampleGrid(rows: ReadonlyArray<ReadonlyArray<SynapseSliceSource>>, perRow: number): Image {
  const size = rows.flat()[0]?.size;
  if (size === undefined) throw new RangeError("clusterSampleGrid: no samples");
  const blank: Image = { width: size, height: size, channels: 4, pixels: new Uint8Array(size * size * 4).fill(255) };
  const tiles: Image[] = [];
  for (const row of rows) for (let c = 0; c < perRow; c++) tiles.push(row[c] ? synapseSlice(row[c]!) : blank);
  return tileImages(tiles, perRow, 2, 255);
}

/** A looping GIF through the z slices of a cube (10 fps unless told). */
export function synapseGif(src: SynapseSliceSource, fps = 10): Uint8Array {
  const n = src.size;
  const plane = n * n;
  const frames: Image[] = [];
  for (let z = 0; z < n; z++) {
    frames.push(
      src.mask
        ? synapseSlice(src, z)
        : grayImage(
            Array.from({ length: plane }, (_, i) => src.values[z * plane + i]!),
            n,
            n,
          ),
    );
  }
  return encodeGif(frames, { fps, loop: true });
}
