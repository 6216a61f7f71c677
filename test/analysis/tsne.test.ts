import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import {
  conditionalAffinities,
  initTsne,
  nearestNeighbours,
  nearestNeighboursBrute,
  pca,
  silhouette,
  standardize,
  symmetrize,
  toMatrix,
  trustworthiness,
  tsne,
} from "../../lib/analysis";
import { random } from "../../lib/core";
import { EXPECTED as E } from "./expected";

const Z = standardize(E.X).data;

test("pca matches sklearn's explained variance and axes (up to sign)", () => {
  const r = pca(Z, 3);
  E.pca_explained_variance.forEach((v, c) =>
    assert.ok(Math.abs(r.explainedVariance[c]! - v) < 1e-8, `variance ${c}: ${r.explainedVariance[c]} vs ${v}`),
  );
  E.pca_components.forEach((axis, c) => {
    const dot = axis.reduce((s, v, j) => s + v * r.components.data[c * 6 + j]!, 0);
    assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-8, `axis ${c}: |cos| = ${Math.abs(dot)}`);
  });
});

test("nearestNeighbours (WebAssembly distance kernel) equals the brute-force search", async () => {
  // Integer coordinates: every distance is exact in float32, ties broken by index in both.
  const rng = random(3);
  const x = toMatrix(Array.from({ length: 130 }, () => Array.from({ length: 7 }, () => rng.int(20))));
  const a = (await nearestNeighbours(x, 9, { blockSize: 32 }))!;
  const b = nearestNeighboursBrute(x, 9);
  assert.deepEqual(a.indices, b.indices);
  assert.deepEqual(a.distances, b.distances);
});

test("nearestNeighbours finds the same neighbours on 1 and 3 threads", async () => {
  const rng = random(5);
  const x = toMatrix(Array.from({ length: 203 }, () => Array.from({ length: 13 }, () => rng.int(9))));
  const one = (await nearestNeighbours(x, 17, { blockSize: 24, threads: 1 }))!;
  const three = (await nearestNeighbours(x, 17, { blockSize: 24, threads: 3 }))!;
  assert.deepEqual(three.indices, one.indices);
  assert.deepEqual(three.distances, one.distances);
  const b = nearestNeighboursBrute(x, 17);
  assert.deepEqual(one.indices, b.indices);
  assert.deepEqual(one.distances, b.distances);
});

test("nearestNeighbours stops when onProgress returns false", async () => {
  const r = await nearestNeighbours(Z, 5, { blockSize: 16, onProgress: (e) => e.done < 3 });
  assert.equal(r, null);
});

test("affinities: each row reaches the perplexity, and P is symmetric and sums to 1", () => {
  const nn = nearestNeighboursBrute(Z, 31);
  const cond = conditionalAffinities(nn, 10);
  for (let i = 0; i < nn.n; i++) {
    let h = 0;
    for (let t = 0; t < nn.k; t++) {
      const p = cond[i * nn.k + t]!;
      if (p > 0) h -= p * Math.log(p);
    }
    assert.ok(Math.abs(Math.exp(h) - 10) < 1e-3, `row ${i}: perplexity ${Math.exp(h)}`);
  }
  const P = symmetrize(nn, cond);
  const dense = new Float64Array(nn.n * nn.n);
  let total = 0;
  for (let i = 0; i < nn.n; i++) {
    for (let t = P.rowStart[i]!; t < P.rowStart[i + 1]!; t++) {
      assert.equal(dense[i * nn.n + P.columns[t]!], 0, "each pair once per row");
      dense[i * nn.n + P.columns[t]!] = P.values[t]!;
      total += P.values[t]!;
    }
  }
  assert.ok(Math.abs(total - 1) < 1e-5);
  for (let i = 0; i < nn.n; i++) for (let j = 0; j < i; j++) assert.ok(Math.abs(dense[i * nn.n + j]! - dense[j * nn.n + i]!) < 1e-9);
});

test("Barnes-Hut t-SNE 2D is as trustworthy as sklearn's on the same data, and seeded", async () => {
  const a = await tsne(Z, { perplexity: 10, method: "barnes-hut" });
  assert.equal(a.iterations, 1000);
  assert.equal(a.embedding.cols, 2);
  const t = trustworthiness(Z, a.embedding);
  assert.ok(Math.abs(t - E.tsne_trustworthiness["2"]!) < 0.01, `ours ${t} vs sklearn ${E.tsne_trustworthiness["2"]}`);
  assert.ok(silhouette(a.embedding, E.blob) > 0.5, "blobs separated");
  const b = await tsne(Z, { perplexity: 10, method: "barnes-hut" });
  assert.deepEqual(a.embedding.data, b.embedding.data);
  const c = await tsne(Z, { perplexity: 10, method: "barnes-hut", init: "random", seed: 7, iterations: 300 });
  assert.notDeepEqual(c.embedding.data, a.embedding.data);
});

test("Barnes-Hut t-SNE in 3D keeps neighbourhoods", async () => {
  const r = await tsne(Z, { perplexity: 10, dims: 3, method: "barnes-hut", iterations: 500 });
  assert.equal(r.embedding.cols, 3);
  assert.ok(trustworthiness(Z, r.embedding) > 0.95);
});

test("Barnes-Hut t-SNE gives the same map, bit for bit, on 1 and 3 threads (2D and 3D)", async () => {
  for (const dims of [2, 3] as const) {
    const one = await tsne(Z, { perplexity: 10, dims, method: "barnes-hut", iterations: 300, threads: 1 });
    const three = await tsne(Z, { perplexity: 10, dims, method: "barnes-hut", iterations: 300, threads: 3 });
    assert.deepEqual(three.embedding.data, one.embedding.data, `${dims}D map`);
    assert.equal(three.klDivergence, one.klDivergence);
  }
});

test("with theta 0 the Barnes-Hut gradient is exact: its KL divergence equals the direct sum", async () => {
  for (const dims of [2, 3] as const) {
    const opt = (await initTsne(Z, { perplexity: 10, dims, theta: 0, iterations: 1, init: "random", seed: 3 }))!;
    const y = Float64Array.from(opt.y);
    opt.step(true);
    const n = opt.n;
    let z = 0;
    const w = (i: number, j: number): number => {
      let d2 = 0;
      for (let a = 0; a < dims; a++) d2 += (y[i * dims + a]! - y[j * dims + a]!) ** 2;
      return 1 / (1 + d2);
    };
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) z += w(i, j);
    let kl = 0;
    for (let i = 0; i < n; i++) {
      for (let t = opt.P.rowStart[i]!; t < opt.P.rowStart[i + 1]!; t++) {
        const p = opt.P.values[t]!;
        kl += p * Math.log(p / (w(i, opt.P.columns[t]!) / z));
      }
    }
    assert.ok(Math.abs(opt.klDivergence - kl) < 1e-9, `${dims}D: ${opt.klDivergence} vs ${kl}`);
  }
});

test("t-SNE stops when onProgress returns false and says so", async () => {
  const r = await tsne(Z, { perplexity: 10, method: "barnes-hut", onProgress: (e) => e.label !== "t-SNE iterations" || e.done < 100 });
  assert.equal(r.stopped, true);
  assert.equal(r.iterations, 100);
});

test("step by step gives the same map as tsne()", async () => {
  const opt = (await initTsne(Z, { perplexity: 10, iterations: 400 }))!;
  while (!opt.done) opt.step();
  const r = await tsne(Z, { perplexity: 10, iterations: 400, method: "barnes-hut" });
  assert.deepEqual(opt.embedding().data, r.embedding.data);
});

test("exact t-SNE (tsne-js) is seeded and used for small sets", async () => {
  const small = toMatrix(Array.from({ length: 40 }, (_, i) => Array.from(Z.data.subarray(i * 6, i * 6 + 6))));
  const a = await tsne(small, { perplexity: 5, iterations: 200 });
  const b = await tsne(small, { perplexity: 5, iterations: 200, method: "exact" });
  assert.deepEqual(a.embedding.data, b.embedding.data);
  const c = await tsne(small, { perplexity: 5, iterations: 200, method: "exact", seed: 1 });
  assert.notDeepEqual(a.embedding.data, c.embedding.data);
  assert.ok(Number.isFinite(a.klDivergence));
});

test("t-SNE explains a bad perplexity", async () => {
  await assert.rejects(
    tsne(Z, { perplexity: 200, method: "barnes-hut" }),
    /perplexity \(200\) must be positive and below the number of points \(90\)/,
  );
});

test("20,000 small t-SNE jobs in a row on 3 threads all return their own results and none hangs", () => {
  const script = path.join(__dirname, "tsne-pool-stress.fixture.ts");
  // A hang blocks the calling thread in Atomics.wait, so the jobs run in a child with a time limit.
  const r = spawnSync(process.execPath, ["--import", "tsx", script, "20000", "3"], { encoding: "utf8", timeout: 120_000 });
  assert.equal(r.signal, null, "the jobs hung");
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /^20000 jobs on 3 threads/);
});
