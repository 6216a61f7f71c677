import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { random } from "../../lib/core";
import { createDataset } from "../../lib/dataset";
import { embeddingFiles, writeEmbeddingTable } from "../../lib/embeddings";
import { readTableFile } from "../../lib/io";
import { findBrowser, THEME } from "../../lib/viz";
import { decodePng } from "../helpers/png";
import { requires } from "../helpers/requires";

const root = path.resolve(__dirname, "../..");
const LAYERS = ["L2/3", "L4", "L5"];
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "maps-cli-"));

/** `n` neurons in three well-separated clusters of 16 dimensions, one per layer, with a soma depth that follows the layer. */
function clusteredTable(file: string, n: number): string {
  const rng = random(3);
  const dim = 16;
  const values = new Float32Array(n * dim);
  const ids: string[] = [];
  const splits: string[] = [];
  const layer: string[] = [];
  const depth: string[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    ids.push(`n${i}`);
    splits.push(i % 5 === 0 ? "val" : "train");
    layer.push(LAYERS[c]!);
    depth.push((200 * c + rng.uniform(0, 100)).toFixed(1));
    for (let j = 0; j < dim; j++) values[i * dim + j] = (j % 3 === c ? 4 : 0) + rng.normal();
  }
  writeEmbeddingTable(file, { ids, splits, labels: { layer, depth }, dim, values });
  return file;
}

const table = clusteredTable(path.join(tmp(), "emb.csv"), 60);

function maps(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, ["--import", "tsx", path.join(root, "embeddings/maps.ts"), ...args], {
    encoding: "utf8",
    cwd: root,
    env: { ...process.env, ...env },
  });
}

interface Quality {
  table: { sha256: string; neurons: number; dim: number };
  labels: Record<string, string>;
  embedding: { knnAccuracy: Record<string, { accuracy: number; chance: number }> };
  maps: Record<string, { trustworthiness: number; knnPreservation: number; k: number; knnAccuracy: Record<string, { accuracy: number }> }>;
}

test("maps: per map a CSV of coordinates and every label (manifest labels joined), quality.json and the HTML; no Chromium → HTML only, exit 0", async () => {
  const data = tmp();
  // The manifest adds a label the table does not have.
  createDataset(
    data,
    Array.from({ length: 60 }, (_, i) => ({
      id: `n${i}`,
      source: `n${i}.swc`,
      split: "train",
      soma: null,
      labels: { layer: LAYERS[i % 3]!, family: i % 2 ? "pyramidal" : "interneuron" },
    })),
  );
  const out = tmp();
  const r = maps(["--embeddings", embeddingFiles(table).npy, "--out", out, "--data", data], {
    WORKBENCH_CHROMIUM: path.join(out, "no-chromium"),
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /t-SNE: perplexity 30 is too high for 60 neurons; using 19\nt-SNE 2-D, perplexity 19, seed 42 of 60 × 16/);
  assert.match(r.stderr, /no PNG\/SVG written, only the HTML: WORKBENCH_CHROMIUM=.*no-chromium but no executable is there/);
  assert.deepEqual(fs.readdirSync(out).sort(), ["maps.html", "quality.json", "tsne.csv", "tsne.json", "umap.csv", "umap.json"]);

  for (const method of ["tsne", "umap"]) {
    const csv = await readTableFile(path.join(out, `${method}.csv`));
    assert.deepEqual(csv.columns, ["id", "x", "y", "split", "layer", "depth", "family"]);
    assert.equal(csv.rows.length, 60);
    assert.equal(csv.rows[7]!.id, "n7");
    assert.equal(csv.rows[7]!.family, "pyramidal");
    assert.equal(csv.rows[7]!.layer, "L4");
    assert.ok(
      csv.rows.every((row) => typeof row.x === "number" && typeof row.y === "number"),
      "danfojs reads the coordinates as numbers",
    );
    const record = JSON.parse(fs.readFileSync(path.join(out, `${method}.json`), "utf8")) as { settings: Record<string, unknown> };
    assert.equal(record.settings.method, method);
    assert.equal(record.settings.seed, 42);
  }

  const q = JSON.parse(fs.readFileSync(path.join(out, "quality.json"), "utf8")) as Quality;
  assert.deepEqual(q.labels, { layer: "categorical", depth: "continuous", family: "categorical" });
  assert.deepEqual(Object.keys(q.embedding.knnAccuracy).sort(), ["family", "layer"], "k-NN accuracy for the categorical labels only");
  // Three clusters apart: the layer is read off perfectly and the maps keep the neighbourhoods.
  assert.equal(q.embedding.knnAccuracy.layer!.accuracy, 1);
  assert.ok(q.embedding.knnAccuracy.family!.accuracy < 0.8, "a label unrelated to the clusters is not");
  for (const m of ["tsne", "umap"]) {
    const mq = q.maps[m]!;
    assert.ok(mq.trustworthiness > 0.9 && mq.trustworthiness <= 1, `${m} trustworthiness ${mq.trustworthiness}`);
    assert.ok(mq.knnPreservation > 0.3 && mq.knnPreservation <= 1, `${m} k-NN preservation ${mq.knnPreservation}`);
    assert.equal(mq.k, 10);
    assert.equal(mq.knnAccuracy.layer!.accuracy, 1);
  }
  const html = fs.readFileSync(path.join(out, "maps.html"), "utf8");
  assert.equal((html.match(/class="workbench-figure"/g) ?? []).length, 6, "one figure per map and colour column (layer, depth, family)");
  // Offline: plotly.js is inline (its own code mentions web links) and the page outside the scripts refers to nothing on the network.
  assert.ok(!/<script[^>]*\ssrc=/.test(html), "no external script");
  assert.ok(!/(src|href)="(https?:)?\/\//.test(html.replace(/<script[^>]*>[\s\S]*?<\/script>/g, "")), "nothing is loaded from the network");
});

test("maps: the same seed gives the same CSV from either form of the table; a re-run keeps the maps; other settings recompute", (t) => {
  if (!requires(t, findBrowser)) return;
  // The CSV form alone (no .npy beside it), read back to the same float32 values.
  const csvOnly = path.join(tmp(), "emb.csv");
  fs.copyFileSync(table, csvOnly);
  const a = tmp();
  const b = tmp();
  assert.equal(maps(["--embeddings", embeddingFiles(table).stem, "--out", a, "--color-by", "layer,depth"]).status, 0);
  const r = maps(["--embeddings", csvOnly, "--out", b, "--color-by", "layer,depth"]);
  assert.equal(r.status, 0, r.stderr);
  for (const f of ["tsne.csv", "umap.csv"]) assert.deepEqual(fs.readFileSync(path.join(b, f)), fs.readFileSync(path.join(a, f)), f);

  for (const m of ["tsne", "umap"]) {
    for (const c of ["layer", "depth"]) {
      const png = decodePng(fs.readFileSync(path.join(b, `${m}_${c}.png`)));
      assert.deepEqual([png.width, png.height], [THEME.width * THEME.exportScale, THEME.height * THEME.exportScale]);
      const colours = new Set<number>();
      for (let i = 0; i < png.width * png.height; i += 7)
        colours.add((png.pixels[i * png.channels]! << 16) | (png.pixels[i * png.channels + 1]! << 8) | png.pixels[i * png.channels + 2]!);
      assert.ok(colours.size > 20, `${m}_${c}.png is drawn (${colours.size} colours)`);
      const svg = fs.readFileSync(path.join(b, `${m}_${c}.svg`), "utf8");
      assert.match(svg, /^<svg[\s\S]*coloured by [\s\S]*<\/svg>$/);
    }
  }

  const before = fs.statSync(path.join(b, "tsne.csv")).mtimeMs;
  const again = maps(["--embeddings", csvOnly, "--out", b, "--color-by", "layer"]);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stderr, /t-SNE 2-D, perplexity 19, seed 42: kept from .*tsne\.csv/);
  assert.match(again.stdout, /tsne\.csv \(kept\)/);
  assert.equal(fs.statSync(path.join(b, "tsne.csv")).mtimeMs, before, "a kept map's CSV is not rewritten");

  const reseeded = maps(["--embeddings", csvOnly, "--out", b, "--method", "tsne", "--seed", "7", "--color-by", "layer"]);
  assert.equal(reseeded.status, 0, reseeded.stderr);
  assert.match(reseeded.stderr, /t-SNE 2-D, perplexity 19, seed 7 of 60 × 16/);
  assert.notDeepEqual(fs.readFileSync(path.join(b, "tsne.csv")), fs.readFileSync(path.join(a, "tsne.csv")));

  const three = maps(["--embeddings", csvOnly, "--out", tmp(), "--method", "umap", "--dims", "3", "--color-by", "layer"]);
  assert.equal(three.status, 0, three.stderr);
  assert.match(three.stdout, /umap\.csv: trustworthiness/);
});

test("maps: a stop during t-SNE exits with 3, keeps the maps already written, and the same command continues", async () => {
  // Enough neurons for Barnes-Hut t-SNE, which reports progress and stops between iterations.
  const big = clusteredTable(path.join(tmp(), "big.csv"), 300);
  const out = tmp();
  const args = ["--embeddings", big, "--out", out, "--method", "umap,tsne", "--color-by", "layer"];
  const child = spawn(process.execPath, ["--import", "tsx", path.join(root, "embeddings/maps.ts"), ...args], {
    cwd: root,
    env: { ...process.env, WORKBENCH_CHROMIUM: path.join(out, "none") },
  });
  let stderr = "";
  let stdout = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
    if (stderr.includes("t-SNE iterations") && child.exitCode === null && !child.killed) child.kill("SIGINT");
  });
  const status = await new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  assert.equal(status, 3, stderr);
  assert.match(stderr, /SIGINT received; stopping now/);
  assert.match(stdout, /Stopped; 1 map\(s\) written/);
  assert.deepEqual(fs.readdirSync(out).sort(), ["umap.csv", "umap.json"]);

  const rest = maps(args, { WORKBENCH_CHROMIUM: path.join(out, "none") });
  assert.equal(rest.status, 0, rest.stderr);
  assert.match(rest.stderr, /UMAP 2-D, 15 neighbours, seed 42: kept/);
  assert.ok(fs.existsSync(path.join(out, "tsne.csv")));
});

test("maps: bad input is a usage error that names it", () => {
  const unknown = maps(["--embeddings", table, "--out", tmp(), "--color-by", "layer,colour"]);
  assert.equal(unknown.status, 2);
  assert.equal(
    unknown.stderr.trim().split("\n").pop(),
    'maps: colour by "colour": no such column; the table has "split", "layer", "depth"',
  );
  assert.equal(maps(["--embeddings", table, "--out", tmp(), "--dims", "4"]).status, 2);
  const data = tmp();
  createDataset(data, [{ id: "other", source: "other.swc", split: "train", soma: null, labels: {} }]);
  const wrong = maps(["--embeddings", table, "--out", tmp(), "--data", data]);
  assert.equal(wrong.status, 2);
  assert.match(wrong.stderr, /manifest\.csv: 60 of the table's 60 neurons are not in the manifest \("n0", "n1", "n2", "n3", "n4", …\)/);
  const missing = maps(["--embeddings", path.join(tmp(), "none.csv"), "--out", tmp()]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /no embedding table at .*none/);
});
