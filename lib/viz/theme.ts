import type { Figure } from "./figure";

/**
 * One look for every plot of the workbench: fonts, sizes for a thesis page,
 * and fixed colours so a layer or a bounding box has the same colour in
 * every figure of the thesis.
 */
export const THEME = {
  font: { family: "Helvetica, Arial, sans-serif", size: 12, color: "#222222" },
  titleSize: 14,
  /** A full-width figure on an A4 page with 2.5 cm margins, at 96 dpi. */
  width: 640,
  height: 480,
  /** Static exports are rendered at this scale (about 300 dpi for print). */
  exportScale: 3,
  background: "#ffffff",
  grid: "#e5e5e5",
  /** Okabe-Ito: distinguishable with the common colour-vision deficiencies. */
  categorical: [
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
    "#999999",
    "#882255",
    "#44AA99",
    "#117733",
  ],
  /** Continuous values (soma depth, probability). */
  sequential: "Viridis",
  /** Prediction vs ground truth. */
  prediction: "#D55E00",
  truth: "#0072B2",
} as const;

/** Fixed colours of the cortical layers the neurons are assigned to (L1, L2/3, L4, L5, L6). */
export const LAYER_COLORS: Readonly<Record<string, string>> = {
  L1: "#999999",
  "L2/3": "#0072B2",
  L4: "#009E73",
  L5: "#E69F00",
  L6: "#CC79A7",
  WM: "#555555",
};

/** Fixed colours of the EM bounding boxes bbox1..bbox7 (and beyond, cycling). */
export function boxColor(box: number | string): string {
  const n = typeof box === "number" ? box : Number(box.replace(/\D+/g, ""));
  const palette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#882255"];
  return Number.isFinite(n) && n >= 1 ? palette[(n - 1) % palette.length]! : THEME.categorical[8];
}

/**
 * Colour for a category: the fixed layer colour when it is a known layer,
 * otherwise the categorical palette in order of first appearance in `all`.
 */
export function categoryColor(value: string, all: readonly string[]): string {
  if (value in LAYER_COLORS) return LAYER_COLORS[value]!;
  const i = all.indexOf(value);
  return THEME.categorical[(i < 0 ? all.length : i) % THEME.categorical.length]!;
}

/** The base layout every figure starts from; a figure's own layout wins. */
function baseLayout(): Record<string, unknown> {
  return {
    font: { ...THEME.font },
    paper_bgcolor: THEME.background,
    plot_bgcolor: THEME.background,
    width: THEME.width,
    height: THEME.height,
    margin: { l: 60, r: 20, t: 50, b: 50 },
    legend: { bgcolor: "rgba(255,255,255,0.8)" },
    xaxis: { gridcolor: THEME.grid, zeroline: false },
    yaxis: { gridcolor: THEME.grid, zeroline: false },
  };
}

function mergeDeep(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] =
      v && typeof v === "object" && !Array.isArray(v) && b && typeof b === "object" && !Array.isArray(b)
        ? mergeDeep(b as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

/** A figure with the workbench theme applied under its own layout. */
export function themed(figure: Figure): Figure {
  const title = figure.layout.title;
  const layout = mergeDeep(baseLayout(), figure.layout);
  if (typeof title === "string") layout.title = { text: title, font: { size: THEME.titleSize } };
  return { data: figure.data, layout, config: { displaylogo: false, responsive: true, ...(figure.config ?? {}) } };
}
