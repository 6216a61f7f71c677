import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import {
  adjustedRandIndex,
  elbow,
  kmeans,
  knnAccuracy,
  knnPreservation,
  nearestNeighboursBrute,
  silhouette,
  standardize,
  stratifiedFolds,
  toMatrix,
  trustworthiness,
  umap,
} from "../../lib/analysis";
import { ConfigError } from "../../lib/core";
import { EXPECTED as E } from "./expected";

function close(actual: number, expected: number, tol = 1e-9, what = ""): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what} ${actual} vs ${expected}`);
}

const Z = standardize(E.X).data;

test("standardize matches sklearn's StandardScaler", () => {
  const s = standardize(E.X);
  E.mean.forEach((v, j) => close(s.mean[j]!, v, 1e-9, `mean ${j}`));
  E.scale.forEach((v, j) => close(s.scale[j]!, v, 1e-9, `scale ${j}`));
  E.standardized.forEach((row, i) => row.forEach((v, j) => close(s.data.data[i * 6 + j]!, v, 1e-9, `z[${i},${j}]`)));
});

test("standardize leaves a constant column at zero instead of dividing by zero", () => {
  const s = standardize([
    [1, 5],
    [2, 5],
    [3, 5],
  ]);
  assert.equal(s.scale[1], 1);
  assert.deepEqual(Array.from(s.data.data.filter((_, i) => i % 2 === 1)), [0, 0, 0]);
});

test("silhouette matches sklearn for the blobs and for a noisy label", () => {
  close(silhouette(Z, E.blob), E.silhouette_blob, 1e-9, "blob");
  close(silhouette(Z, E.layer), E.silhouette_layer, 1e-9, "layer");
});

test("silhouette rejects a single cluster", () => {
  assert.throws(
    () =>
      silhouette(
        Z,
        E.blob.map(() => 0),
      ),
    /needs 2\.\.89 clusters/,
  );
});

test("kmeans finds sklearn's partition and inertia, and the same seed gives the same labels", () => {
  const r = kmeans(Z, 3, { seed: 1 });
  close(adjustedRandIndex(r.labels, E.kmeans_labels), 1, 1e-12, "ARI vs sklearn");
  close(r.inertia, E.kmeans_inertia, 1e-6, "inertia");
  assert.deepEqual(kmeans(Z, 3, { seed: 1 }).labels, r.labels);
  assert.equal(r.centroids.rows, 3);
  assert.equal(r.centroids.cols, 6);
});

test("elbow: inertia falls with k and the silhouette peaks at the three blobs", () => {
  const curve = elbow(Z, [2, 3, 4, 5], { seed: 3, nInit: 4 });
  assert.deepEqual(
    curve.map((p) => p.k),
    [2, 3, 4, 5],
  );
  for (let i = 1; i < curve.length; i++) assert.ok(curve[i]!.inertia < curve[i - 1]!.inertia);
  close(curve[1]!.inertia, E.kmeans_inertia, 1e-6, "k=3 inertia");
  const best = curve.reduce((a, b) => (b.silhouette! > a.silhouette! ? b : a));
  assert.equal(best.k, 3);
});

test("adjustedRandIndex matches sklearn, including its special cases", () => {
  for (const c of E.ari) close(adjustedRandIndex(c.a, c.b), c.value, 1e-12, JSON.stringify(c.b.slice(0, 4)));
  assert.throws(() => adjustedRandIndex([1, 2], [1]), /same points/);
});

test("trustworthiness matches sklearn at k = 5 and 10", () => {
  close(trustworthiness(Z, E.Y, { k: 5 }), E.trustworthiness["5"]!, 1e-12, "k=5");
  close(trustworthiness(Z, E.Y), E.trustworthiness["10"]!, 1e-12, "k=10");
  close(trustworthiness(Z, Z), 1, 1e-12, "identity map");
});

test("trustworthiness from a sample of query points estimates the full value", () => {
  const sampled = trustworthiness(Z, E.Y, { sampleSize: 60, seed: 5 });
  close(sampled, E.trustworthiness["10"]!, 0.03, "sampled");
  assert.notEqual(sampled, E.trustworthiness["10"]);
});

test("trustworthiness rejects k >= n/2", () => {
  assert.throws(() => trustworthiness(Z, E.Y, { k: 45 }), ConfigError);
});

test("knnPreservation matches a direct computation with sklearn's NearestNeighbors", () => {
  close(knnPreservation(Z, E.Y, { k: 5 }), E.knn_preservation["5"]!, 1e-12, "k=5");
  close(knnPreservation(Z, E.Y, { k: 10 }), E.knn_preservation["10"]!, 1e-12, "k=10");
});

test("stratifiedFolds without shuffling gives sklearn's StratifiedKFold folds", () => {
  assert.deepEqual(Array.from(stratifiedFolds(E.layer, { shuffle: false })), E.stratified_folds);
});

test("stratifiedFolds with shuffling keeps the per-class counts of each fold", () => {
  const a = stratifiedFolds(E.layer, { seed: 9 });
  const b = stratifiedFolds(E.layer, { shuffle: false });
  const count = (f: Int32Array, fold: number, cls: string) => E.layer.filter((l, i) => l === cls && f[i] === fold).length;
  for (let fold = 0; fold < 5; fold++) for (const cls of ["L2/3", "L4", "L5", "L6"]) assert.equal(count(a, fold, cls), count(b, fold, cls));
  assert.notDeepEqual(a, b);
});

test("knnAccuracy matches sklearn's cross_val_score(KNeighborsClassifier) fold by fold", () => {
  for (const k of [1, 5]) {
    const r = knnAccuracy(Z, E.layer, { k, shuffle: false });
    const want = E.knn_accuracy[String(k)]!;
    r.foldAccuracies.forEach((v, i) => close(v, want[i]!, 1e-12, `k=${k} fold ${i}`));
    close(r.accuracy, want.reduce((a, b) => a + b, 0) / want.length, 1e-12, `k=${k} mean`);
  }
  const r = knnAccuracy(Z, E.layer);
  close(r.chance, E.layer.filter((l) => l === "L2/3").length / E.layer.length, 1e-12, "chance");
});

test("nearestNeighboursBrute orders by distance and excludes the point itself", () => {
  const nn = nearestNeighboursBrute(toMatrix([[0], [1], [3], [7]]), 2);
  assert.deepEqual(Array.from(nn.indices), [1, 2, 0, 2, 1, 0, 2, 1]);
  assert.deepEqual(Array.from(nn.distances), [1, 9, 1, 4, 4, 9, 16, 36]);
  assert.throws(() => nearestNeighboursBrute(toMatrix([[0], [1]]), 2), /not enough points \(2\) for 2 neighbours/);
});

test("umap is reproducible with a seed and keeps the blobs apart", async () => {
  const a = await umap(Z, { seed: 11, nEpochs: 100 });
  const b = await umap(Z, { seed: 11, nEpochs: 100 });
  assert.deepEqual(a.data, b.data);
  assert.equal(a.cols, 2);
  const c = await umap(Z, { seed: 12, nEpochs: 100 });
  assert.notDeepEqual(a.data, c.data);
  assert.ok(silhouette(a, E.blob) > 0.5, "blobs separated in the map");
});

test("loading lib/analysis loads neither tfjs nor lib/engine", () => {
  // In a child, so the modules other tests loaded do not count.
  const analysis = path.resolve(__dirname, "../../lib/analysis");
  const script = `require(${JSON.stringify(analysis)}); console.log(JSON.stringify(Object.keys(require.cache)));`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "-e", script], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const loaded = JSON.parse(r.stdout) as string[];
  assert.ok(
    loaded.some((file) => file.startsWith(path.join(analysis, "tsne"))),
    "the t-SNE was loaded",
  );
  assert.deepEqual(
    loaded.filter(
      (file) => file.includes(`${path.sep}@tensorflow${path.sep}`) || file.includes(`${path.sep}lib${path.sep}engine${path.sep}`),
    ),
    [],
  );
});
