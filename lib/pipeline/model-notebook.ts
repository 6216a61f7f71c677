import * as fs from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { random, type OnProgress } from "../core";
import { LATENT_GRID, type Autoencoder } from "../models";
import { chooseLatentCells, gatherLatentCells, LATENT_CELLS, occupiedCells, readTrainingLog } from "../train";
import { type Figure, liveFigure, progressDisplay, THEME, trainingCurvesFigure } from "../viz";

/**
 * Progress for a training run in a notebook: a live bar, and the loss and
 * validation F1/IoU curves redrawn in place from the run's log.
 */
export function trainingMonitor(runDir: string, title: string): OnProgress {
  const bar = progressDisplay();
  const draw = liveFigure({ perSecond: 0.2 });
  return (e) => {
    const answer = bar(e);
    const finished = e.total > 0 && e.done >= e.total;
    draw(trainingFigure(runDir, title), finished);
    return answer;
  };
}

/** Loss and validation curves of a run, from its log. */
export function trainingFigure(runDir: string, title: string): Figure {
  const log = fs.existsSync(runDir) ? readTrainingLog(runDir) : [];
  const iteration: number[] = [];
  const loss: number[] = [];
  const validation: { iteration: number; f1: number; iou: number }[] = [];
  for (const r of log) {
    if (r.kind === "train") {
      iteration.push(r.iteration);
      loss.push(r.loss);
    } else validation.push({ iteration: r.iteration, f1: r.f1, iou: r.iou });
  }
  return trainingCurvesFigure({ iteration, loss, validation }, title);
}

export interface PartialReconstruction {
  /** The latent cells decoded (index (x·8 + y)·8 + z), as nLat training chooses them. */
  cells: number[];
  /** Probabilities inside the decoded patches; -1 elsewhere (not decoded). */
  probabilities: Float32Array;
  /** Which cells were occupied in the input. */
  occupied: boolean[];
  patchSize: number;
}

/**
 * What nLat training sees for one neuron: K latent cells chosen as in
 * training (seeded), decoded alone (stacked into the batch axis), and their
 * patches placed back into the grid.
 */
export function partialReconstruction(
  autoencoder: Autoencoder,
  grid: Uint8Array,
  options: { cells?: number; seed?: number } = {},
): PartialReconstruction {
  const g = autoencoder.grid;
  const p = autoencoder.patchSize;
  const x = tf.tensor5d(
    Float32Array.from(grid, (v) => (v > 0 ? 1 : 0)),
    [1, g, g, g, 1],
  );
  try {
    const occupied = occupiedCells(x, p);
    const cells = chooseLatentCells(occupied, options.cells ?? 10, random(options.seed ?? 1996));
    const patches = tf.tidy(() => {
      const latent = autoencoder.encoder.predict(x) as tf.Tensor5D;
      return tf.sigmoid(autoencoder.decoder.predict(gatherLatentCells(latent, cells)) as tf.Tensor).dataSync() as Float32Array;
    });
    const probabilities = new Float32Array(g ** 3).fill(-1);
    cells.forEach((cell, k) => {
      const [cx, cy, cz] = [
        Math.floor(cell / (LATENT_GRID * LATENT_GRID)),
        Math.floor(cell / LATENT_GRID) % LATENT_GRID,
        cell % LATENT_GRID,
      ];
      for (let i = 0; i < p; i++)
        for (let j = 0; j < p; j++)
          for (let l = 0; l < p; l++)
            probabilities[((cx * p + i) * g + cy * p + j) * g + cz * p + l] = patches[((k * p + i) * p + j) * p + l]!;
    });
    return { cells, probabilities, occupied, patchSize: p };
  } finally {
    x.dispose();
  }
}

/**
 * The neuron in light gray, the decoded latent cells as boxes (occupied ones
 * in the prediction colour), and the voxels predicted inside them.
 */
export function partialReconstructionFigure(truth: Uint8Array, part: PartialReconstruction, grid: number, threshold: number): Figure {
  const t = { x: [] as number[], y: [] as number[], z: [] as number[] };
  const pr = { x: [] as number[], y: [] as number[], z: [] as number[] };
  for (let x = 0; x < grid; x++)
    for (let y = 0; y < grid; y++)
      for (let z = 0; z < grid; z++) {
        const i = (x * grid + y) * grid + z;
        if (truth[i]) {
          t.x.push(x);
          t.y.push(y);
          t.z.push(z);
        }
        if (part.probabilities[i]! > threshold) {
          pr.x.push(x);
          pr.y.push(y);
          pr.z.push(z);
        }
      }
  const p = part.patchSize;
  const boxes = part.cells.map((cell) => {
    const c = [Math.floor(cell / (LATENT_GRID * LATENT_GRID)), Math.floor(cell / LATENT_GRID) % LATENT_GRID, cell % LATENT_GRID].map(
      (v) => v * p - 0.5,
    );
    const [x0, y0, z0] = c as [number, number, number];
    const [x1, y1, z1] = [x0 + p, y0 + p, z0 + p];
    const corners = [
      [x0, y0, z0],
      [x1, y0, z0],
      [x1, y1, z0],
      [x0, y1, z0],
      [x0, y0, z0],
      [x0, y0, z1],
      [x1, y0, z1],
      [x1, y1, z1],
      [x0, y1, z1],
      [x0, y0, z1],
      [null, null, null],
      [x1, y0, z0],
      [x1, y0, z1],
      [null, null, null],
      [x1, y1, z0],
      [x1, y1, z1],
      [null, null, null],
      [x0, y1, z0],
      [x0, y1, z1],
    ];
    return {
      type: "scatter3d",
      mode: "lines",
      showlegend: false,
      hoverinfo: "skip",
      x: corners.map((q) => q[0]),
      y: corners.map((q) => q[1]),
      z: corners.map((q) => q[2]),
      line: { color: part.occupied[cell] ? THEME.prediction : "#999999", width: 3 },
    };
  });
  const occupiedChosen = part.cells.filter((c) => part.occupied[c]).length;
  return {
    data: [
      {
        type: "scatter3d",
        mode: "markers",
        name: `neuron (${t.x.length} voxels)`,
        ...t,
        marker: { size: 1.5, color: "#bbbbbb", opacity: 0.5 },
      },
      {
        type: "scatter3d",
        mode: "markers",
        name: `predicted in decoded cells (> ${threshold.toFixed(2)})`,
        ...pr,
        marker: { size: 2, symbol: "square", color: THEME.prediction },
      },
      ...boxes,
    ],
    layout: {
      title: `nLat: ${part.cells.length} of ${LATENT_CELLS} latent cells decoded (${occupiedChosen} occupied)`,
      height: 560,
      scene: {
        aspectmode: "cube",
        xaxis: { range: [0, grid] },
        yaxis: { range: [grid, 0], title: { text: "y (depth)" } },
        zaxis: { range: [0, grid] },
      },
    },
  };
}
