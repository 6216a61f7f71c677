import { overlapScores } from "../train";
import type { Figure } from "./figure";
import { encodeGif } from "./gif";
import { type Image, tileImages } from "./image";
import { THEME } from "./theme";
import { renderVolumes, volumeSlice } from "./volume-render";

export interface ScoreCurves {
  thresholds: number[];
  train: number[];
  validation: number[];
  /** What the curves measure, e.g. "F1". */
  metric: string;
}

/** Train and validation score against threshold, with the best validation threshold marked. */
export function thresholdCurvesFigure(c: ScoreCurves, title = `${c.metric} against threshold`): Figure {
  let best = 0;
  c.validation.forEach((v, i) => {
    if (v > c.validation[best]!) best = i;
  });
  const bt = c.thresholds[best]!;
  const bv = c.validation[best]!;
  return {
    data: [
      { type: "scatter", mode: "lines+markers", name: "train", x: c.thresholds, y: c.train, line: { color: THEME.categorical[0] } },
      {
        type: "scatter",
        mode: "lines+markers",
        name: "validation",
        x: c.thresholds,
        y: c.validation,
        line: { color: THEME.categorical[1] },
      },
      {
        type: "scatter",
        mode: "markers+text",
        name: `best: ${bt.toFixed(2)}`,
        x: [bt],
        y: [bv],
        text: [`${c.metric} ${bv.toFixed(3)} at ${bt.toFixed(2)}`],
        textposition: "top center",
        marker: { size: 12, symbol: "star", color: THEME.prediction },
        showlegend: false,
      },
    ],
    layout: {
      title,
      xaxis: { title: { text: "threshold" }, range: [0, 1] },
      yaxis: { title: { text: c.metric } },
      shapes: [{ type: "line", x0: bt, x1: bt, yref: "paper", y0: 0, y1: 1, line: { dash: "dot", color: "#888" } }],
    },
  };
}

/** Histogram of predicted probabilities above `floor` (default 0.4, docs/models.md "Metrics and inference"), the threshold marked. */
export function predictionHistogramFigure(
  probabilities: ArrayLike<number>,
  threshold: number,
  options: { floor?: number; bins?: number; title?: string } = {},
): Figure {
  const floor = options.floor ?? 0.4;
  const values: number[] = [];
  for (let i = 0; i < probabilities.length; i++) if (probabilities[i]! > floor) values.push(probabilities[i]!);
  return {
    data: [
      {
        type: "histogram",
        x: values,
        xbins: { start: floor, end: 1, size: (1 - floor) / (options.bins ?? 30) },
        marker: { color: THEME.categorical[0] },
      },
    ],
    layout: {
      title: options.title ?? `Predicted probabilities above ${floor} (${values.length} voxels)`,
      xaxis: { title: { text: "probability" }, range: [floor, 1] },
      yaxis: { title: { text: "voxels" } },
      shapes: [{ type: "line", x0: threshold, x1: threshold, yref: "paper", y0: 0, y1: 1, line: { color: THEME.prediction, width: 2 } }],
      annotations: [{ x: threshold, yref: "paper", y: 1, text: `threshold ${threshold.toFixed(2)}`, showarrow: false, yanchor: "bottom" }],
    },
  };
}

/** Coordinates of voxels above `threshold`, dropping `crop` of the grid on every side. */
export function occupiedVoxels(
  data: ArrayLike<number>,
  grid: number,
  threshold = 0.5,
  crop = 0.1,
): { x: number[]; y: number[]; z: number[] } {
  const lo = Math.floor(grid * crop);
  const hi = grid - lo;
  const out = { x: [] as number[], y: [] as number[], z: [] as number[] };
  for (let x = lo; x < hi; x++)
    for (let y = lo; y < hi; y++)
      for (let z = lo; z < hi; z++)
        if (data[(x * grid + y) * grid + z]! > threshold) {
          out.x.push(x);
          out.y.push(y);
          out.z.push(z);
        }
  return out;
}

/**
 * Prediction next to ground truth in interactive 3D (two scenes sharing one
 * camera setup), 10 % cropped per side, IoU and F1 in the legend.
 */
export function reconstructionFigure(
  probabilities: ArrayLike<number>,
  truth: ArrayLike<number>,
  grid: number,
  options: { threshold?: number; crop?: number; title?: string } = {},
): Figure {
  const threshold = options.threshold ?? 0.5;
  const crop = options.crop ?? 0.1;
  const { f1, iou } = overlapScores(probabilities, truth, threshold);
  const t = occupiedVoxels(truth, grid, 0.5, crop);
  const p = occupiedVoxels(probabilities, grid, threshold, crop);
  const marker = (color: string) => ({ size: 2, symbol: "square", color, opacity: 0.8 });
  const range = [Math.floor(grid * crop), grid - Math.floor(grid * crop)];
  const axis = (name: string) => ({ title: { text: name }, range, showbackground: false });
  const scene = {
    aspectmode: "cube",
    xaxis: axis("x"),
    yaxis: { ...axis("y (depth)"), autorange: "reversed" },
    zaxis: axis("z"),
    camera: { eye: { x: 1.6, y: 0.6, z: 1.2 } },
  };
  return {
    data: [
      {
        type: "scatter3d",
        mode: "markers",
        name: `ground truth (${t.x.length} voxels)`,
        ...t,
        marker: marker(THEME.truth),
        scene: "scene",
      },
      {
        type: "scatter3d",
        mode: "markers",
        name: `prediction > ${threshold.toFixed(2)}: IoU ${iou.toFixed(3)}, F1 ${f1.toFixed(3)}`,
        ...p,
        marker: marker(THEME.prediction),
        scene: "scene2",
      },
    ],
    layout: {
      title: options.title ?? "Prediction vs ground truth",
      width: 1000,
      height: 520,
      scene: { ...scene, domain: { x: [0, 0.5], y: [0, 1] } },
      scene2: { ...scene, domain: { x: [0.5, 1], y: [0, 1] } },
      legend: { orientation: "h", y: -0.05 },
      margin: { l: 10, r: 10, t: 50, b: 40 },
    },
  };
}

function hexRgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** A looping GIF turning ground truth (left) and prediction (right) once around the depth axis. */
export function rotatingGif(
  probabilities: ArrayLike<number>,
  truth: ArrayLike<number>,
  grid: number,
  options: { threshold?: number; frames?: number; size?: number; fps?: number } = {},
): Uint8Array {
  const n = options.frames ?? 36;
  const frames: Image[] = [];
  for (let f = 0; f < n; f++) {
    const angle = (2 * Math.PI * f) / n;
    const left = renderVolumes([{ data: truth, grid, color: hexRgb(THEME.truth) }], angle, { size: options.size });
    const right = renderVolumes(
      [{ data: probabilities, grid, threshold: options.threshold ?? 0.5, color: hexRgb(THEME.prediction) }],
      angle,
      { size: options.size },
    );
    frames.push(tileImages([left, right], 2, 4));
  }
  return encodeGif(frames, { fps: options.fps ?? 10 });
}

/** A looping GIF stepping through z slices: ground truth (left) and predicted probability (right). */
export function sliceGif(
  probabilities: ArrayLike<number>,
  truth: ArrayLike<number>,
  grid: number,
  options: { zoom?: number; fps?: number } = {},
): Uint8Array {
  const frames: Image[] = [];
  for (let k = 0; k < grid; k++) {
    frames.push(
      tileImages(
        [volumeSlice(truth, grid, k, { zoom: options.zoom }), volumeSlice(probabilities, grid, k, { zoom: options.zoom })],
        2,
        4,
        128,
      ),
    );
  }
  return encodeGif(frames, { fps: options.fps ?? 10 });
}

export interface TrainingCurves {
  iteration: number[];
  loss: number[];
  /** Validation points (iteration, F1, IoU), may be sparser than the loss. */
  validation: { iteration: number; f1: number; iou: number }[];
}

/** Loss (left axis, log scale) and validation F1/IoU (right axis) against iteration. */
export function trainingCurvesFigure(c: TrainingCurves, title = "Training"): Figure {
  return {
    data: [
      { type: "scatter", mode: "lines", name: "loss", x: c.iteration, y: c.loss, line: { color: "#555", width: 1 } },
      {
        type: "scatter",
        mode: "lines+markers",
        name: "validation F1",
        x: c.validation.map((v) => v.iteration),
        y: c.validation.map((v) => v.f1),
        yaxis: "y2",
        line: { color: THEME.categorical[0] },
      },
      {
        type: "scatter",
        mode: "lines+markers",
        name: "validation IoU",
        x: c.validation.map((v) => v.iteration),
        y: c.validation.map((v) => v.iou),
        yaxis: "y2",
        line: { color: THEME.categorical[1] },
      },
    ],
    layout: {
      title,
      xaxis: { title: { text: "iteration" } },
      yaxis: { title: { text: "focal loss" }, type: "log" },
      yaxis2: { title: { text: "F1 / IoU" }, overlaying: "y", side: "right", range: [0, 1] },
      legend: { x: 0.6, y: 0.5 },
    },
  };
}
