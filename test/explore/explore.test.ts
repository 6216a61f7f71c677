import { after, before, test } from "node:test";
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { openDataset } from "../../lib/dataset";
import { embedDataset, readEmbeddingTable } from "../../lib/embeddings";
import { initEngine } from "../../lib/engine";
import { startExplorer, type Explorer } from "../../lib/explore";
import { formatCsv } from "../../lib/io";
import { createAutoencoder, disposeAutoencoder } from "../../lib/models";
import { readFeatureCsv, runSynapsePipeline } from "../../lib/synapse";
import { synthNeurons, writeSyntheticSynapses } from "../../lib/synthetic";
import { saveCheckpoint } from "../../lib/train";
import { findBrowser } from "../../lib/viz";
import { featureStandIn } from "../helpers/feature-stand-in";
import { decodePng } from "../helpers/png";
import { requires } from "../helpers/requires";

/*
 * The callbacks handed to page.evaluate run in Chromium. The project
 * compiles without the DOM library, so these are the few shapes they touch.
 */
interface Axis {
  l2p(v: number): number;
}
interface PageElement {
  textContent: string | null;
  dataset: Record<string, string | undefined>;
  value: string;
  selectedOptions: Array<{ textContent: string | null }>;
  width: number;
  height: number;
  complete: boolean;
  naturalWidth: number;
  getBoundingClientRect(): { left: number; top: number };
  getContext(kind: "2d"): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
  dispatchEvent(event: unknown): boolean;
  scrollIntoView(): void;
  _fullLayout?: { width: number; xaxis: Axis; yaxis: Axis; _size: { l: number; t: number } };
  _fullData?: Array<{ name: string; x: number[]; y: number[]; customdata?: string[]; text?: string[] }>;
}
declare const document: { getElementById(id: string): PageElement | null };
declare const window: { Plotly: { relayout(el: PageElement, update: object): Promise<void> } };
declare const Event: new (type: string) => unknown;

/*
 * A results folder in the demo's layout, built small with the library: 12
 * synthetic neurons at 16³, an untrained autoencoder saved as a run, its
 * embedding table, a map file as `npm run maps` writes it, and one box of
 * 4 synthetic synapses run through the pipeline with a stand-in VGG3D.
 */
const GRID = 16;
let results = "";
let explorer: Explorer | null = null;
let browser: Browser | null = null;
let page: Page | null = null;
let mapIds: string[] = [];

before(async () => {
  await initEngine({ quiet: true });
  results = fs.mkdtempSync(path.join(os.tmpdir(), "explore-"));
  const data = path.join(results, "data", "neurons");
  await synthNeurons({ out: data, count: 12, seed: 5, points: 3000, grids: [GRID] });
  const ae = createAutoencoder({ grid: GRID, baseChannels: 4, seed: 3 });
  const run = path.join(results, "runs", "tiny-dense");
  const stem = path.join(results, "embeddings", "tiny-dense");
  try {
    saveCheckpoint(path.join(run, "checkpoints", "best-f1"), ae);
    await embedDataset(ae.encoder, openDataset(data), GRID, stem);
  } finally {
    disposeAutoencoder(ae);
  }
  const table = readEmbeddingTable(stem);
  // A map file in reverse order: the explorer must match rows by id, not by position.
  mapIds = [...table.ids].reverse();
  const layer = table.labels.layer;
  assert.ok(layer, "the synthetic neurons have a layer label");
  const rows = mapIds.map((id, k) => ({
    id,
    x: Math.cos(k),
    y: Math.sin(k) * (1 + k / 6),
    split: table.splits[table.ids.indexOf(id)]!,
    layer: layer[table.ids.indexOf(id)]!,
  }));
  fs.mkdirSync(path.join(results, "maps", "tiny-dense"), { recursive: true });
  fs.writeFileSync(path.join(results, "maps", "tiny-dense", "tsne.csv"), formatCsv(["id", "x", "y", "split", "layer"], rows));
  const em = path.join(results, "data", "synapses");
  writeSyntheticSynapses(em, { seed: 11, boxes: 1, synapses: 4 });
  await runSynapsePipeline(em, path.join(results, "synapse"), {
    segType: 10,
    alpha: 1,
    network: featureStandIn(),
    tsne: false,
    log: () => {},
  });
});

after(async () => {
  await page?.close();
  await browser?.close();
  await explorer?.close();
  if (results) fs.rmSync(results, { recursive: true, force: true });
});

function request(url: string, headers: Record<string, string> = {}, method = "GET"): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => {
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on("error", reject);
    req.end();
  });
}

async function openPage(t: { skip: (m: string) => void }): Promise<Page | null> {
  if (!requires(t, findBrowser)) return null;
  if (page) return page;
  explorer ??= await startExplorer({ results, network: featureStandIn(), log: () => {} });
  browser = await puppeteer.launch({
    executablePath: findBrowser(),
    args: ["--no-sandbox", "--disable-gpu", "--use-angle=swiftshader", "--enable-unsafe-swiftshader"],
  });
  page = await browser.newPage();
  await page.setViewport({ width: 1400, height: 950 });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(explorer.url);
  await page.waitForSelector("body[data-ready]", { timeout: 30_000 });
  assert.deepEqual(errors, [], "the page runs without errors");
  return page;
}

/** Screen position of point `i` of the map's first trace with points, and that point's id. */
async function mapPoint(p: Page, plot: string, i = 0): Promise<{ x: number; y: number; id: string }> {
  return p.evaluate(
    (plotId, k) => {
      const gd = document.getElementById(plotId)!;
      const trace = gd._fullData!.find((d) => d.name !== "chosen" && d.x.length > k)!;
      const box = gd.getBoundingClientRect();
      const fl = gd._fullLayout!;
      return {
        x: box.left + fl._size.l + fl.xaxis.l2p(trace.x[k]!),
        y: box.top + fl._size.t + fl.yaxis.l2p(trace.y[k]!),
        id: (trace.customdata ?? trace.text)![k]!,
      };
    },
    plot,
    i,
  );
}

async function clickAt(p: Page, at: { x: number; y: number }): Promise<void> {
  await p.mouse.move(at.x, at.y);
  await p.mouse.click(at.x, at.y);
}

/**
 * Share of the element's pixels drawn in colour: axes, grid lines, text and
 * tool icons are grey, so an empty 3-D scene has almost none.
 */
async function colouredShare(p: Page, selector: string): Promise<number> {
  const png = decodePng(Buffer.from(await (await p.$(selector))!.screenshot({ type: "png" })));
  let coloured = 0;
  for (let i = 0; i < png.width * png.height; i++) {
    const rgb = [png.pixels[i * png.channels]!, png.pixels[i * png.channels + 1]!, png.pixels[i * png.channels + 2]!];
    if (Math.max(...rgb) - Math.min(...rgb) > 60) coloured++;
  }
  return coloured / (png.width * png.height);
}

test("the server refuses requests without the token, from a foreign Host and from another origin", async () => {
  explorer ??= await startExplorer({ results, network: featureStandIn(), log: () => {} });
  const url = new URL(explorer.url);
  const own = await request(`${explorer.url}api/catalogue`);
  assert.equal(own.status, 200);
  const catalogue = JSON.parse(own.body) as {
    neurons: Array<{ key: string; maps: Array<{ key: string }> }>;
    synapses: { runs: Array<{ key: string }> };
  };
  assert.deepEqual(
    catalogue.neurons.map((s) => s.key),
    ["embeddings/tiny-dense"],
    "the map file belongs to the table with the same ids",
  );
  assert.equal(catalogue.neurons[0]?.maps[0]?.key, "file:maps/tiny-dense/tsne.csv");
  assert.deepEqual(
    catalogue.synapses.runs.map((r) => r.key),
    ["synapse/clusters_seg10_alpha1.0.csv"],
  );

  const outside = await request(
    `${explorer.url}api/synapses/gif?run=synapse/clusters_seg10_alpha1.0.csv&id=${encodeURIComponent("../../../etc/x")}`,
  );
  assert.equal(outside.status, 400, "only the run's own synapses are served");
  assert.match(outside.body, /no synapse/);

  const without = await request(`${url.origin}/api/catalogue`);
  assert.equal(without.status, 403);
  assert.match(without.body, /token/);
  assert.equal((await request(`${url.origin}/${"x".repeat(32)}/api/catalogue`)).status, 403, "a wrong token");
  assert.equal((await request(explorer.url)).status, 200);
  const foreign = await request(`${explorer.url}api/catalogue`, { Host: `evil.example:${url.port}` });
  assert.equal(foreign.status, 403);
  assert.match(foreign.body, /Host "evil\.example/);
  assert.equal((await request(`${explorer.url}api/catalogue`, { Origin: "http://evil.example" })).status, 403);
  assert.equal((await request(`${explorer.url}api/catalogue`, { "Sec-Fetch-Site": "cross-site" })).status, 403);
  assert.equal(
    (await request(`${explorer.url}api/jobs/stop`, { Origin: `http://localhost:${url.port}`, "Content-Type": "text/plain" }, "POST"))
      .status,
    415,
    "a form post cannot start work",
  );
});

test("clicking a neuron point shows that neuron: its id, a drawn 3-D view and neighbours to jump to", async (t) => {
  const p = await openPage(t);
  if (!p) return;
  assert.match(await p.$eval("#n-map-note", (e: PageElement) => e.textContent ?? ""), /read from maps\/tiny-dense\/tsne\.csv/);
  const point = await mapPoint(p, "n-map-plot", 1);
  await clickAt(p, point);
  await p.waitForFunction((id) => document.getElementById("n-id")?.textContent === id, { timeout: 20_000 }, point.id);
  await p.waitForSelector("#n-view-plot .gl-container canvas, #n-view-plot canvas", { timeout: 20_000 });
  await p.waitForFunction(() => document.getElementById("n-view-plot")?._fullData?.length, { timeout: 20_000 });
  await new Promise((r) => setTimeout(r, 500));
  const drawn = await colouredShare(p, "#n-view-plot");
  assert.ok(drawn > 0.005, `the 3-D view shows the neuron (${(100 * drawn).toFixed(2)} % of its pixels in colour)`);

  const neighbour = await p.$eval("#n-neighbours button", (b: PageElement) => b.dataset.id!);
  assert.notEqual(neighbour, point.id);
  await p.click("#n-neighbours button");
  await p.waitForFunction((id) => document.getElementById("n-id")?.textContent === id, { timeout: 20_000 }, neighbour);

  await p.click('#n-views button[data-view="reconstruction"]');
  await p.waitForFunction(() => /F1 \d\.\d{3}IoU \d\.\d{3}/.test(document.getElementById("n-scores")?.textContent ?? ""), {
    timeout: 30_000,
  });
  const before = await p.$eval("#n-view-plot", (e: PageElement) => e._fullData![1]!.name);
  await p.$eval("#n-threshold", (e: PageElement) => {
    e.value = "0.9";
    e.dispatchEvent(new Event("input"));
  });
  await p.waitForFunction(
    (old) => {
      const name = document.getElementById("n-view-plot")?._fullData?.[1]?.name ?? "";
      return name !== old && name.includes("0.90");
    },
    { timeout: 20_000 },
    before,
  );
});

test("a lasso (here: box) selection exports its ids as CSV", async (t) => {
  const p = await openPage(t);
  if (!p) return;
  const box = (await (await p.$("#n-map-plot .nsewdrag"))!.boundingBox())!;
  await p.evaluate(() => window.Plotly.relayout(document.getElementById("n-map-plot")!, { dragmode: "select" }));
  await p.mouse.move(box.x + 2, box.y + 2);
  await p.mouse.down();
  await p.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 5 });
  await p.mouse.move(box.x + box.width - 2, box.y + box.height - 2, { steps: 5 });
  await p.mouse.up();
  await p.waitForFunction(() => /Export \d+ selected/.test(document.getElementById("n-export")?.textContent ?? ""), { timeout: 10_000 });
  assert.equal(await p.$eval("#n-export", (b: PageElement) => b.textContent), "Export 12 selected as CSV");
  const downloads = fs.mkdtempSync(path.join(os.tmpdir(), "explore-downloads-"));
  const cdp = await p.createCDPSession();
  await cdp.send("Browser.setDownloadBehavior", { behavior: "allow", downloadPath: downloads });
  await p.click("#n-export");
  const file = path.join(downloads, "selection-12-neurons.csv");
  for (let i = 0; i < 100 && !fs.existsSync(file); i++) await new Promise((r) => setTimeout(r, 100));
  const lines = fs.readFileSync(file, "utf8").trim().split("\n");
  fs.rmSync(downloads, { recursive: true, force: true });
  assert.match(lines[0]!, /^id,split,class,layer,depth/);
  assert.deepEqual(
    lines
      .slice(1)
      .map((l) => l.split(",")[0])
      .sort(),
    [...mapIds].sort(),
  );
});

test("clicking a synapse point shows its crop slice by slice, its GIF, row and warnings", async (t) => {
  const p = await openPage(t);
  if (!p) return;
  await p.click('nav button[data-tab="synapses"]');
  await p.waitForFunction(() => document.getElementById("s-map-plot")?._fullLayout?.width, { timeout: 10_000 });
  await new Promise((r) => setTimeout(r, 300));
  const point = await mapPoint(p, "s-map-plot", 0);
  await clickAt(p, point);
  await p.waitForFunction((id) => document.getElementById("s-id")?.textContent === id, { timeout: 20_000 }, point.id);
  await p.waitForFunction(() => document.getElementById("s-slice")?.dataset.z !== undefined, { timeout: 20_000 });
  const slice = () =>
    p.$eval("#s-slice", (canvas: PageElement) => {
      const d = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
      let sum = 0;
      let sq = 0;
      let tinted = 0;
      for (let i = 0; i < d.length; i += 4) {
        const red = d[i]!;
        sum += red;
        sq += red ** 2;
        if (red > d[i + 2]! + 20) tinted++;
      }
      const n = d.length / 4;
      return { z: Number(canvas.dataset.z), mean: sum / n, std: Math.sqrt(sq / n - (sum / n) ** 2), tinted, size: canvas.width };
    });
  const middle = await slice();
  assert.equal(middle.size, 80);
  assert.ok(middle.std > 5, `the slice shows EM texture (std ${middle.std.toFixed(1)})`);
  assert.ok(middle.tinted > 0, "the segmentation overlay tints the mask");
  await p.$eval("#s-z", (e: PageElement) => {
    e.value = "5";
    e.dispatchEvent(new Event("input"));
  });
  const other = await slice();
  assert.equal(other.z, 5);
  assert.notEqual(other.mean, middle.mean, "another z shows another slice");
  assert.ok(await p.$eval("#s-gif", (i: PageElement) => i.complete && i.naturalWidth === 80), "the pipeline's GIF is shown");
  assert.match(await p.$eval("#s-row", (e: PageElement) => e.textContent ?? ""), /central_coord_1/);
  assert.ok((await p.$$("#s-warnings li")).length >= 1);
});

test("choosing another α on the page computes new features and clusters; a second run reuses them", async (t) => {
  const p = await openPage(t);
  if (!p) return;
  await p.click('nav button[data-tab="synapses"]');
  const features = path.join(results, "synapse", "features_seg10_alpha0.5.csv");
  assert.ok(!fs.existsSync(features));
  await p.$eval("#s-alpha", (e: PageElement) => {
    e.value = "0.5";
    e.dispatchEvent(new Event("input"));
  });
  assert.match(await p.$eval("#s-rerun-note", (e: PageElement) => e.textContent ?? ""), /New features/);
  await p.click("#s-rerun-go");
  await p.waitForFunction(() => document.getElementById("s-run")?.value === "synapse/clusters_seg10_alpha0.5.csv", { timeout: 60_000 });
  assert.equal(readFeatureCsv(features).rows.length, 4);
  const catalogue = JSON.parse((await request(`${explorer!.url}api/catalogue`)).body) as {
    jobs: Array<{ state: string; message: string }>;
  };
  assert.match(catalogue.jobs.at(-1)!.message, /4 synapses \(4 features computed now, 0 reused\)/);
  assert.match(await p.$eval("#s-map-note", (e: PageElement) => e.textContent ?? ""), /clusters_seg10_alpha0\.5\.csv/);

  assert.match(
    await p.$eval("#s-rerun-note", (e: PageElement) => e.textContent ?? ""),
    /synapse\/features_seg10_alpha0\.5\.csv holds the features of 4 synapses already/,
  );
  await p.$eval("#s-k", (e: PageElement) => (e.value = "2"));
  await p.click("#s-rerun-go");
  await p.waitForFunction(() => /k 2:/.test(document.getElementById("s-run")?.selectedOptions[0]?.textContent ?? ""), { timeout: 60_000 });
  const again = JSON.parse((await request(`${explorer!.url}api/catalogue`)).body) as { jobs: Array<{ message: string }> };
  assert.match(again.jobs.at(-1)!.message, /0 features computed now, 4 reused\), k 2/);
});

test("npm run explore prints the URL, serves the page and stops cleanly on Ctrl-C", { timeout: 60_000 }, async () => {
  const child = spawn(process.execPath, ["--import", "tsx", "embeddings/explore.ts", "--results", results], {
    cwd: path.resolve(__dirname, "../.."),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
      const m = /^(http:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]{32}\/)$/m.exec(stdout);
      if (m) resolve(m[1]!);
    });
    child.on("exit", (code) => {
      reject(new Error(`explore exited with ${code} before printing a URL: ${stderr}`));
    });
  });
  assert.equal((await request(url)).status, 200);
  assert.equal((await request(`${new URL(url).origin}/`)).status, 403);
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      resolve(code);
    }),
  );
  child.kill("SIGINT");
  assert.equal(await exited, 0, stderr);
  assert.match(stderr, /SIGINT received; stopping the server/);
});
