import { random } from "../core";
import { type Matrix, toMatrix, toRows } from "./matrix";
import type { TsneResult } from "./tsne";

export interface TsneExactOptions {
  dims: 2 | 3;
  perplexity: number;
  earlyExaggeration: number;
  iterations: number;
  learningRate: number | "auto";
  seed: number;
}

interface TsneJsModel {
  init(input: { data: number[][]; type: "dense" }): void;
  run(): [number, number];
  getOutput(): number[][];
}
type TsneJsClass = new (config: {
  dim: number;
  perplexity: number;
  earlyExaggeration: number;
  learningRate: number;
  nIter: number;
  metric: string;
}) => TsneJsModel;

/**
 * Exact t-SNE through tsne-js for small sets (quadratic in time and memory).
 * tsne-js draws its start from Math.random, so that is swapped for a seeded
 * generator while it runs: the same seed gives the same map.
 */
export function tsneExact(x: Matrix, o: TsneExactOptions): TsneResult {
  const t0 = performance.now();
  const rng = random(o.seed);
  // tsne-js ships without type declarations.
  const TSNE = require("tsne-js") as TsneJsClass;
  const model = new TSNE({
    dim: o.dims,
    perplexity: o.perplexity,
    earlyExaggeration: o.earlyExaggeration,
    learningRate: o.learningRate === "auto" ? Math.max(x.rows / o.earlyExaggeration / 4, 50) : o.learningRate,
    nIter: o.iterations,
    metric: "euclidean",
  });
  const saved = Math.random;
  let error: number;
  let iterations: number;
  try {
    Math.random = () => rng.next();
    model.init({ data: toRows(x), type: "dense" });
    [error, iterations] = model.run();
  } finally {
    Math.random = saved;
  }
  const embedding = toMatrix(model.getOutput(), "tsne-js output");
  return {
    embedding,
    iterations,
    klDivergence: error,
    stopped: false,
    seconds: { affinities: 0, optimisation: (performance.now() - t0) / 1000 },
  };
}
