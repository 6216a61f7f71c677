import { checkChoice, ConfigError, type OnProgress, random, withDefaults } from "../core";
import { type Matrix, type MatrixLike, toMatrix } from "./matrix";
import { nearestNeighboursBrute, nearestNeighboursOn, type Neighbours } from "./neighbours";
import { pca } from "./pca";
import { SpaceTree } from "./space-tree";
import { conditionalAffinitiesOn, type SparseAffinities, symmetrize } from "./tsne-affinities";
import { tsneExact } from "./tsne-exact";
import { shared, sharedArray, TsnePool } from "./tsne-pool";

export const TSNE_METHODS = ["auto", "barnes-hut", "exact"] as const;
export type TsneMethod = (typeof TSNE_METHODS)[number];
export const TSNE_INITS = ["pca", "random"] as const;
export type TsneInit = (typeof TSNE_INITS)[number];

export interface TsneOptions {
  /** Map dimensions, 2 or 3 (default 2). */
  dims?: 2 | 3;
  /** Effective number of neighbours (default 30; the thesis maps use 300). */
  perplexity?: number;
  /** Attraction multiplier of the first phase (default 12). */
  earlyExaggeration?: number;
  /** Iterations of the first phase (default 250). */
  exaggerationIterations?: number;
  /** All iterations, first phase included (default 1000). */
  iterations?: number;
  /** Step size; "auto" is max(n / earlyExaggeration / 4, 50), as sklearn (default "auto"). */
  learningRate?: number | "auto";
  /** Barnes-Hut accuracy: a cell counts as one when side / distance < theta (default 0.5). */
  theta?: number;
  /** Start from the first principal components scaled to std 1e-4 (as sklearn), or random (default "pca"). */
  init?: TsneInit;
  /** Seed (default 42). */
  seed?: number;
  /** "exact" uses tsne-js (quadratic, small sets only); "auto" picks it below 250 points (default "auto"). */
  method?: TsneMethod;
  /**
   * Threads for the neighbour search, the affinities and the gradient
   * (default: WORKBENCH_THREADS, else all cores). The map is the same for any
   * number of threads.
   */
  threads?: number;
  /** Nearest neighbours computed before (k at least 3 × perplexity), to reuse them across maps. */
  neighbours?: Neighbours;
  /** Progress of the neighbour search and of the iterations; return false to stop and keep the map so far. */
  onProgress?: OnProgress;
}

export interface TsneResult {
  embedding: Matrix;
  /** Iterations run (fewer than asked when stopped). */
  iterations: number;
  /** KL divergence at the last check (NaN for the exact method). */
  klDivergence: number;
  stopped: boolean;
  /** Seconds spent on neighbours + affinities, and on the optimisation. */
  seconds: { affinities: number; optimisation: number };
}

const TSNE_DEFAULTS = {
  dims: 2 as 2 | 3,
  perplexity: 30,
  earlyExaggeration: 12,
  exaggerationIterations: 250,
  iterations: 1000,
  learningRate: "auto" as number | "auto",
  theta: 0.5,
  init: "pca" as TsneInit,
  seed: 42,
  method: "auto" as TsneMethod,
};

const EXACT_BELOW = 250;

/** Neighbours per point for a perplexity, as sklearn: min(n − 1, ⌊3·perplexity + 1⌋). */
function tsneNeighbourCount(n: number, perplexity: number): number {
  return Math.min(n - 1, Math.floor(3 * perplexity + 1));
}

type OptimizerOptions = Required<Pick<TsneOptions, "dims" | "earlyExaggeration" | "exaggerationIterations" | "iterations" | "theta">> & {
  learningRate: number;
  threads?: number;
};

/**
 * Barnes-Hut t-SNE state: affinities fixed, map and optimiser state stepping.
 * `step()` runs one iteration; `tsne()` loops it with progress and stopping,
 * and a notebook can call `step` itself to watch the map form. The gradient
 * runs on worker threads, started by the first step and ended by the last
 * (or by `close()`).
 */
export class TsneOptimizer {
  readonly n: number;
  readonly dims: 2 | 3;
  readonly y: Float64Array;
  iteration = 0;
  klDivergence = NaN;
  private readonly update: Float64Array;
  private readonly gains: Float64Array;
  private readonly repulsive: Float64Array;
  private readonly attractive: Float64Array;
  private readonly z: Float64Array;
  private readonly kl: Float64Array;
  private readonly tree: SpaceTree;
  private readonly learningRate: number;
  private readonly sumP: number;
  private pool: TsnePool | undefined;

  readonly P: SparseAffinities;

  constructor(
    P: SparseAffinities,
    init: Float64Array,
    readonly options: OptimizerOptions,
  ) {
    // In shared memory, or every step would copy P to each worker.
    this.P = { n: P.n, rowStart: shared(P.rowStart), columns: shared(P.columns), values: shared(P.values) };
    this.n = P.n;
    this.dims = options.dims;
    this.y = shared(init);
    const size = this.n * this.dims;
    this.update = new Float64Array(size);
    this.gains = new Float64Array(size).fill(1);
    this.repulsive = sharedArray(Float64Array, size);
    this.attractive = sharedArray(Float64Array, size);
    this.z = sharedArray(Float64Array, this.n);
    this.kl = sharedArray(Float64Array, this.n);
    this.tree = new SpaceTree(this.dims);
    this.learningRate = options.learningRate;
    let sum = 0;
    for (let t = 0; t < P.values.length; t++) sum += P.values[t]!;
    this.sumP = sum;
  }

  get done(): boolean {
    return this.iteration >= this.options.iterations;
  }

  /**
   * One gradient step with momentum and per-coordinate gains (sklearn's
   * _gradient_descent). Computes the KL divergence too when `withError`.
   */
  step(withError = false): void {
    const { n, dims, y, P, tree, repulsive, attractive } = this;
    const early = this.iteration < this.options.exaggerationIterations;
    const exaggeration = early ? this.options.earlyExaggeration : 1;
    const momentum = early ? 0.5 : 0.8;
    this.pool ??= new TsnePool(this.options.threads);
    // The workers start on the attraction, which needs no tree, while this thread builds it.
    const attraction = this.pool.start({
      kind: "attraction",
      n,
      dims,
      y,
      rowStart: P.rowStart,
      columns: P.columns,
      values: P.values,
      withError,
      attractive,
      kl: this.kl,
    });
    tree.build(y, n);
    this.pool.finish(attraction);
    this.pool.run({ kind: "repulsion", n, dims, theta: this.options.theta, y, tree: tree.packed, order: tree.order, repulsive, z: this.z });
    // Summed here in point order, so Z and the KL divergence do not depend on the threads.
    let z = 0;
    for (let i = 0; i < n; i++) z += this.z[i]!;
    if (withError) {
      let kl = 0;
      for (let i = 0; i < n; i++) kl += this.kl[i]!;
      this.klDivergence = kl + this.sumP * Math.log(z);
    }
    const { update, gains } = this;
    const lr = this.learningRate;
    for (let t = 0; t < n * dims; t++) {
      const g = 4 * (exaggeration * attractive[t]! - repulsive[t]! / z);
      let gain = update[t]! * g < 0 ? gains[t]! + 0.2 : gains[t]! * 0.8;
      if (gain < 0.01) gain = 0.01;
      gains[t] = gain;
      const u = momentum * update[t]! - lr * gain * g;
      update[t] = u;
      y[t]! += u;
    }
    this.iteration++;
    if (this.done) this.close();
  }

  /** Ends the worker threads now (a later `step` starts them again). */
  close(): void {
    this.pool?.close();
    this.pool = undefined;
  }

  embedding(): Matrix {
    return { rows: this.n, cols: this.dims, data: Float64Array.from(this.y) };
  }
}

function initialMap(x: Matrix, dims: number, init: TsneInit, seed: number): Float64Array {
  const y = new Float64Array(x.rows * dims);
  if (init === "pca") {
    // Seven subspace iterations, as sklearn's randomized PCA of the t-SNE init: the map only needs the axes roughly.
    const s = pca(x, dims, { seed, iterations: 7 }).scores.data;
    let mean = 0;
    for (let i = 0; i < x.rows; i++) mean += s[i * dims]!;
    mean /= x.rows;
    let v = 0;
    for (let i = 0; i < x.rows; i++) v += (s[i * dims]! - mean) ** 2;
    const scale = 1e-4 / (Math.sqrt(v / x.rows) || 1);
    for (let t = 0; t < y.length; t++) y[t] = s[t]! * scale;
  } else {
    const rng = random(seed);
    for (let t = 0; t < y.length; t++) y[t] = rng.normal(0, 1e-4);
  }
  return y;
}

/** Affinities and optimiser ready to step (the `init` tier of the API). Null when stopped during the neighbour search. */
export async function initTsne(x: MatrixLike, options: TsneOptions = {}): Promise<TsneOptimizer | null> {
  const o = withDefaults(TSNE_DEFAULTS, options);
  const m = toMatrix(x, "tsne");
  const n = m.rows;
  if (!(o.perplexity > 0) || o.perplexity >= n) {
    throw new ConfigError(
      `tsne: perplexity (${o.perplexity}) must be positive and below the number of points (${n}); a third of n or less is usual`,
    );
  }
  checkChoice("tsne init", o.init, TSNE_INITS);
  const k = tsneNeighbourCount(n, o.perplexity);
  const pool = new TsnePool(o.threads);
  let P: SparseAffinities;
  try {
    let nn = o.neighbours;
    if (nn) {
      if (nn.n !== n || nn.k < k)
        throw new ConfigError(`tsne: the given neighbours are for ${nn.n} points × ${nn.k}; need ${n} × at least ${k}`);
      if (nn.k > k) nn = truncateNeighbours(nn, k);
    } else if (n * n * m.cols < 2e8) {
      nn = nearestNeighboursBrute(m, k);
    } else {
      const found = await nearestNeighboursOn(pool, m, k, { onProgress: o.onProgress });
      if (!found) return null;
      nn = found;
    }
    P = symmetrize(nn, conditionalAffinitiesOn(pool, nn, o.perplexity));
  } finally {
    pool.close();
  }
  const learningRate = o.learningRate === "auto" ? Math.max(n / o.earlyExaggeration / 4, 50) : o.learningRate;
  return new TsneOptimizer(P, initialMap(m, o.dims, o.init, o.seed), { ...o, learningRate });
}

function truncateNeighbours(nn: Neighbours, k: number): Neighbours {
  const indices = new Int32Array(nn.n * k);
  const distances = new Float32Array(nn.n * k);
  for (let i = 0; i < nn.n; i++) {
    indices.set(nn.indices.subarray(i * nn.k, i * nn.k + k), i * k);
    distances.set(nn.distances.subarray(i * nn.k, i * nn.k + k), i * k);
  }
  return { n: nn.n, k, indices, distances };
}

/**
 * t-SNE map of the rows of x. Barnes-Hut with sparse nearest-neighbour
 * affinities (3·perplexity neighbours, exact), early exaggeration 12 for 250
 * iterations, momentum 0.5 then 0.8, learning rate max(n/48, 50) — the
 * sklearn recipe — in 2D or 3D; tsne-js (exact) for small sets.
 */
export async function tsne(x: MatrixLike, options: TsneOptions = {}): Promise<TsneResult> {
  const o = withDefaults(TSNE_DEFAULTS, options);
  const method = checkChoice("tsne method", o.method, TSNE_METHODS);
  const m = toMatrix(x, "tsne");
  if (method === "exact" || (method === "auto" && m.rows < EXACT_BELOW)) return tsneExact(m, o);
  const t0 = performance.now();
  const opt = await initTsne(m, o);
  const t1 = performance.now();
  if (!opt) {
    return {
      embedding: { rows: m.rows, cols: o.dims, data: new Float64Array(m.rows * o.dims) },
      iterations: 0,
      klDivergence: NaN,
      stopped: true,
      seconds: { affinities: (t1 - t0) / 1000, optimisation: 0 },
    };
  }
  let stopped = false;
  let lastYield = performance.now();
  try {
    while (!opt.done) {
      const check = (opt.iteration + 1) % 50 === 0 || opt.iteration + 1 === o.iterations;
      opt.step(check);
      if (check || opt.iteration % 10 === 0) {
        const values = Number.isNaN(opt.klDivergence) ? undefined : { kl: opt.klDivergence };
        if (o.onProgress?.({ done: opt.iteration, total: o.iterations, label: "t-SNE iterations", values }) === false) {
          stopped = true;
          break;
        }
      }
      // Let a notebook redraw its progress now and then.
      if (performance.now() - lastYield > 500) {
        await new Promise((r) => setImmediate(r));
        lastYield = performance.now();
      }
    }
  } finally {
    opt.close();
  }
  return {
    embedding: opt.embedding(),
    iterations: opt.iteration,
    klDivergence: opt.klDivergence,
    stopped,
    seconds: { affinities: (t1 - t0) / 1000, optimisation: (performance.now() - t1) / 1000 },
  };
}
