import { ConfigError, type OnProgress, random, withDefaults } from "../core";
import { type Matrix, type MatrixLike, toMatrix, toRows } from "./matrix";
import { silhouette } from "./silhouette";

interface MlKMeansResult {
  clusters: number[];
  centroids: number[][];
  iterations: number;
  converged: boolean;
}
interface MlKMeansModule {
  kmeans(
    data: number[][],
    k: number,
    options: { seed?: number; maxIterations?: number; tolerance?: number; initialization?: "kmeans++" | "random" | "mostDistant" },
  ): MlKMeansResult;
}

/** ml-kmeans is an ES module; Node ≥ 20.19 loads it through require (tsx, tslab and tsc's CommonJS output alike). */
function mlKmeans(): MlKMeansModule {
  return require("ml-kmeans") as MlKMeansModule;
}

export interface KMeansOptions {
  /** Seed of the k-means++ initialisations (default 42). */
  seed?: number;
  /** Independent initialisations; the one with the lowest inertia wins (default 10, as sklearn). */
  nInit?: number;
  /** Lloyd iterations per initialisation (default 300, as sklearn). */
  maxIterations?: number;
  /** Stop when centroids move less than this (default 1e-6). */
  tolerance?: number;
}

export interface KMeansResult {
  /** Cluster of each point, 0..k-1. */
  labels: Int32Array;
  centroids: Matrix;
  /** Sum of squared distances of the points to their centroid. */
  inertia: number;
  iterations: number;
}

const KMEANS_DEFAULTS = { seed: 42, nInit: 10, maxIterations: 300, tolerance: 1e-6 };

function inertiaOf(x: Matrix, labels: ArrayLike<number>, centroids: number[][]): number {
  let s = 0;
  for (let i = 0; i < x.rows; i++) {
    const c = centroids[labels[i]!]!;
    for (let j = 0; j < x.cols; j++) {
      const t = x.data[i * x.cols + j]! - c[j]!;
      s += t * t;
    }
  }
  return s;
}

/** k-means (Lloyd, k-means++ initialisation) through ml-kmeans, seeded, best of `nInit` starts. */
export function kmeans(x: MatrixLike, k: number, options: KMeansOptions = {}): KMeansResult {
  const o = withDefaults(KMEANS_DEFAULTS, options);
  const m = toMatrix(x, "kmeans");
  if (!Number.isInteger(k) || k < 1 || k > m.rows)
    throw new ConfigError(`kmeans: k must be an integer in 1..${m.rows} (the number of points), found ${k}`);
  const rows = toRows(m);
  const seeds = random(o.seed);
  let best: { r: MlKMeansResult; inertia: number } | null = null;
  for (let run = 0; run < o.nInit; run++) {
    const r = mlKmeans().kmeans(rows, k, {
      seed: seeds.nextUint32(),
      maxIterations: o.maxIterations,
      tolerance: o.tolerance,
      initialization: "kmeans++",
    });
    const inertia = inertiaOf(m, r.clusters, r.centroids);
    if (!best || inertia < best.inertia) best = { r, inertia };
  }
  const { r, inertia } = best!;
  return { labels: Int32Array.from(r.clusters), centroids: toMatrix(r.centroids, "centroids"), inertia, iterations: r.iterations };
}

export interface ElbowPoint {
  k: number;
  inertia: number;
  /** Mean silhouette of the clustering (when asked for). */
  silhouette?: number;
}

export interface ElbowOptions extends KMeansOptions {
  /** Also compute the silhouette score per k (costs n² distances; default true). */
  silhouette?: boolean;
  /** Points used for the silhouette (all when omitted). */
  silhouetteSampleSize?: number;
  onProgress?: OnProgress;
}

/**
 * Inertia (and silhouette) of k-means for each k, to choose k from the elbow
 * of the inertia curve and the silhouette maximum. Stops early (returning the
 * ks done) when onProgress returns false.
 */
export function elbow(x: MatrixLike, ks: readonly number[], options: ElbowOptions = {}): ElbowPoint[] {
  const m = toMatrix(x, "elbow");
  const out: ElbowPoint[] = [];
  for (const k of ks) {
    const r = kmeans(m, k, options);
    const point: ElbowPoint = { k, inertia: r.inertia };
    if ((options.silhouette ?? true) && k >= 2 && k < m.rows) {
      point.silhouette = silhouette(m, r.labels, { sampleSize: options.silhouetteSampleSize, seed: options.seed });
    }
    out.push(point);
    if (options.onProgress?.({ done: out.length, total: ks.length, label: "k-means per k", values: { k, inertia: r.inertia } }) === false)
      break;
  }
  return out;
}
