import { UMAP } from "umap-js";
import { ConfigError, type OnProgress, random, withDefaults } from "../core";
import { type Matrix, type MatrixLike, toMatrix, toRows } from "./matrix";

export interface UmapOptions {
  /** Output dimensions (default 2). */
  nComponents?: number;
  /** Size of the local neighbourhood (default 15). */
  nNeighbors?: number;
  /** How tightly points may pack in the map (default 0.1). */
  minDist?: number;
  /** Scale of the embedded points (default 1). */
  spread?: number;
  /** Optimisation epochs (default: umap-js chooses, 500 below 10k points, 200 above). */
  nEpochs?: number;
  /** Seed (default 42). */
  seed?: number;
  /** Called every few epochs; return false to stop and keep the map so far. */
  onProgress?: OnProgress;
}

const UMAP_DEFAULTS = { nComponents: 2, nNeighbors: 15, minDist: 0.1, spread: 1, seed: 42 };

/** UMAP through umap-js with a seeded generator, so the same seed gives the same map. */
export async function umap(x: MatrixLike, options: UmapOptions = {}): Promise<Matrix> {
  const o = withDefaults(UMAP_DEFAULTS, options);
  const m = toMatrix(x, "umap");
  if (m.rows <= o.nNeighbors) {
    throw new ConfigError(`umap: not enough points (${m.rows}) for nNeighbors = ${o.nNeighbors}; add points or lower nNeighbors`);
  }
  const rng = random(o.seed);
  const model = new UMAP({
    nComponents: o.nComponents,
    nNeighbors: o.nNeighbors,
    minDist: o.minDist,
    spread: o.spread,
    nEpochs: o.nEpochs,
    random: () => rng.next(),
  });
  const epochs = model.initializeFit(toRows(m));
  const every = Math.max(1, Math.floor(epochs / 50));
  for (let e = 0; e < epochs; e++) {
    model.step();
    if ((e + 1) % every === 0 || e + 1 === epochs) {
      if (o.onProgress?.({ done: e + 1, total: epochs, label: "UMAP epochs" }) === false) break;
      // Let a notebook redraw its progress between chunks of epochs.
      await new Promise((r) => setImmediate(r));
    }
  }
  return toMatrix(model.getEmbedding(), "umap embedding");
}
