import type { Figure } from "./figure";
import { categoryColor, THEME, themed } from "./theme";

/** Points of a map: n rows of 2 or 3 coordinates, nested or flat (a lib/analysis Matrix). */
export type MapPoints = ReadonlyArray<ArrayLike<number>> | { rows: number; cols: number; data: ArrayLike<number> };

export interface MapOptions {
  title?: string;
  /** Neuron (or synapse) ids, shown on hover and kept as each point's customdata (what click and selection handlers read). */
  ids?: readonly string[];
  /** Name of the colouring label, for the legend or colour bar ("layer", "soma depth"). */
  colorName?: string;
  /** Axis names in the hover text (default "t-SNE"). */
  method?: string;
  /** Marker size in px (default: smaller as the map gets denser). */
  markerSize?: number;
  /** Marker opacity (default 0.8, 0.6 above 10,000 points). */
  opacity?: number;
  /** WebGL rendering, for tens of thousands of points (default above 10,000 points; 2-D only). */
  webgl?: boolean;
  /** Categorical maps: category order in the legend (default: natural sort, "L2/3" before "L10"). */
  categoryOrder?: readonly string[];
  /** Categorical maps: colours by category (default: fixed layer colours, then the theme palette). */
  colors?: Readonly<Record<string, string>>;
  /** Continuous maps: Plotly colour scale (default the theme's, Viridis). */
  colorscale?: string;
  /** Continuous maps: reverse the scale (soma depth: pia at the top colour). */
  reverseScale?: boolean;
  /** Ids to mark with a ring and their name (hand-picked samples). */
  highlight?: readonly string[];
  width?: number;
  height?: number;
}

const MISSING = "unknown";
const MISSING_COLOR = "#bbbbbb";

function coordinates(points: MapPoints): { n: number; dims: number; axis: (a: number) => number[] } {
  if (!Array.isArray(points) && typeof (points as { rows?: unknown }).rows === "number") {
    const m = points as { rows: number; cols: number; data: ArrayLike<number> };
    return { n: m.rows, dims: m.cols, axis: (a) => Array.from({ length: m.rows }, (_, i) => m.data[i * m.cols + a]!) };
  }
  const rows = points as ReadonlyArray<ArrayLike<number>>;
  const dims = rows.length ? rows[0]!.length : 2;
  return { n: rows.length, dims, axis: (a) => rows.map((r) => r[a]!) };
}

function checkLength(what: string, n: number, got: number): void {
  if (got !== n) throw new RangeError(`map: ${got} ${what} for ${n} points; give one per point`);
}

/** Natural order: numbers inside names compare as numbers ("L2/3" < "L4" < "L10"). */
function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, "en", { numeric: true, sensitivity: "base" });
}

function layoutFor(dims: number, o: MapOptions, legendTitle: string | undefined): Record<string, unknown> {
  const hidden = { visible: false, showgrid: false, zeroline: false };
  const layout: Record<string, unknown> = {
    title: o.title ?? "",
    width: o.width ?? THEME.width,
    height: o.height ?? THEME.height,
    legend: { title: { text: legendTitle ?? "" }, itemsizing: "constant" },
    margin: { l: 10, r: 10, t: o.title ? 50 : 10, b: 10 },
    hovermode: "closest",
  };
  if (dims === 3) {
    layout.scene = { xaxis: { ...hidden }, yaxis: { ...hidden }, zaxis: { ...hidden }, aspectmode: "data" };
  } else {
    layout.xaxis = { ...hidden };
    // Equal aspect: one unit of the map is the same length on both axes.
    layout.yaxis = { ...hidden, scaleanchor: "x", scaleratio: 1 };
  }
  return layout;
}

function traceBase(dims: number, n: number, o: MapOptions): { type: string; size: number; opacity: number } {
  const webgl = o.webgl ?? n > 10_000;
  return {
    type: dims === 3 ? "scatter3d" : webgl ? "scattergl" : "scatter",
    size: o.markerSize ?? (n > 20_000 ? 2 : n > 2_000 ? 3 : n > 200 ? 5 : 8),
    opacity: o.opacity ?? (n > 10_000 ? 0.6 : 0.8),
  };
}

function place(dims: number, axes: number[][], index: number[]): Record<string, number[]> {
  const pick = (a: number) => index.map((i) => axes[a]![i]!);
  return dims === 3 ? { x: pick(0), y: pick(1), z: pick(2) } : { x: pick(0), y: pick(1) };
}

function hover(
  o: MapOptions,
  index: number[],
  extra: (i: number) => string,
): { text: string[]; hovertemplate: string; customdata?: string[] } {
  const m = o.method ?? "t-SNE";
  return {
    text: index.map((i) => `${o.ids ? `<b>${o.ids[i]}</b><br>` : ""}${extra(i)}`),
    hovertemplate: `%{text}<br>${m} 1 = %{x:.2f}<br>${m} 2 = %{y:.2f}<extra></extra>`,
    ...(o.ids ? { customdata: index.map((i) => o.ids![i]!) } : {}),
  };
}

function highlightTrace(dims: number, axes: number[][], o: MapOptions): Record<string, unknown> | null {
  if (!o.highlight?.length || !o.ids) return null;
  const wanted = new Set(o.highlight);
  const index = o.ids.flatMap((id, i) => (wanted.has(id) ? [i] : []));
  if (!index.length) return null;
  return {
    type: dims === 3 ? "scatter3d" : "scatter",
    mode: "markers+text",
    name: "marked",
    ...place(dims, axes, index),
    text: index.map((i) => o.ids![i]!),
    textposition: "top center",
    marker: { size: 12, color: "rgba(0,0,0,0)", line: { color: "#000000", width: 2 }, symbol: dims === 3 ? "circle-open" : "circle-open" },
    hovertemplate: "<b>%{text}</b><extra>marked</extra>",
  };
}

/**
 * A 2-D or 3-D map (t-SNE, UMAP) coloured by a categorical label such as the
 * cortical layer: one legend entry per category with a fixed colour (the
 * layer colours of the theme), no axes, equal aspect, ids on hover.
 */
export function categoricalMap(
  points: MapPoints,
  labels: ReadonlyArray<string | number | null | undefined>,
  options: MapOptions = {},
): Figure {
  const { n, dims, axis } = coordinates(points);
  checkLength("labels", n, labels.length);
  if (options.ids) checkLength("ids", n, options.ids.length);
  const names = labels.map((l) => (l === null || l === undefined || l === "" ? MISSING : String(l)));
  const present = [...new Set(names)];
  const order = [...(options.categoryOrder ?? present.filter((c) => c !== MISSING).sort(naturalCompare))];
  for (const c of present) if (!order.includes(c) && c !== MISSING) order.push(c);
  if (present.includes(MISSING)) order.push(MISSING);
  const axes = Array.from({ length: dims }, (_, a) => axis(a));
  const base = traceBase(dims, n, options);
  const byCategory = new Map<string, number[]>(order.map((c) => [c, []]));
  names.forEach((c, i) => byCategory.get(c)!.push(i));
  const data: Array<Record<string, unknown>> = order.map((c) => {
    const index = byCategory.get(c)!;
    const color = c === MISSING ? MISSING_COLOR : (options.colors?.[c] ?? categoryColor(c, order));
    return {
      type: base.type,
      mode: "markers",
      name: `${c} (${index.length})`,
      ...place(dims, axes, index),
      ...hover(options, index, () => `${options.colorName ?? "label"}: ${c}`),
      marker: { size: base.size, color, opacity: base.opacity },
    };
  });
  const marked = highlightTrace(dims, axes, options);
  if (marked) data.push(marked);
  return themed({ data, layout: layoutFor(dims, options, options.colorName), config: { scrollZoom: true } });
}

/**
 * A map coloured by a continuous label such as soma depth, with a colour
 * bar; points without a value are drawn grey underneath.
 */
export function continuousMap(points: MapPoints, values: ReadonlyArray<number | null | undefined>, options: MapOptions = {}): Figure {
  const { n, dims, axis } = coordinates(points);
  checkLength("values", n, values.length);
  if (options.ids) checkLength("ids", n, options.ids.length);
  const axes = Array.from({ length: dims }, (_, a) => axis(a));
  const base = traceBase(dims, n, options);
  const has = (v: number | null | undefined): v is number => typeof v === "number" && Number.isFinite(v);
  const withValue = values.flatMap((v, i) => (has(v) ? [i] : []));
  const without = values.flatMap((v, i) => (has(v) ? [] : [i]));
  const name = options.colorName ?? "value";
  const data: Array<Record<string, unknown>> = [];
  if (without.length) {
    data.push({
      type: base.type,
      mode: "markers",
      name: `no ${name} (${without.length})`,
      ...place(dims, axes, without),
      ...hover(options, without, () => `${name}: none`),
      marker: { size: base.size, color: MISSING_COLOR, opacity: base.opacity },
    });
  }
  data.push({
    type: base.type,
    mode: "markers",
    name,
    showlegend: false,
    ...place(dims, axes, withValue),
    ...hover(options, withValue, (i) => `${name}: ${Number(values[i]).toPrecision(4)}`),
    marker: {
      size: base.size,
      opacity: base.opacity,
      color: withValue.map((i) => values[i] as number),
      colorscale: options.colorscale ?? THEME.sequential,
      reversescale: options.reverseScale ?? false,
      showscale: true,
      colorbar: { title: { text: name }, thickness: 14 },
    },
  });
  const marked = highlightTrace(dims, axes, options);
  if (marked) data.push(marked);
  return themed({ data, layout: layoutFor(dims, options, without.length ? " " : undefined), config: { scrollZoom: true } });
}
