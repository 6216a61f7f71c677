import { test } from "node:test";
import { requires } from "../helpers/requires";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { exportFigures, findBrowser, BROWSER_ENV } from "../../lib/viz";

test("PNG and SVG export through headless Chromium gives real images of the figure", (t) => {
  if (!requires(t, findBrowser)) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "export-"));
  const figure = { data: [{ type: "bar", x: ["L2/3", "L4", "L5", "L6"], y: [4, 3, 5, 2] }], layout: { title: "Neurons per layer" } };
  const [png, svg] = exportFigures([
    { figure, file: path.join(dir, "a.png"), width: 400, height: 300, scale: 2 },
    { figure, file: path.join(dir, "a.svg"), width: 400, height: 300 },
  ]);
  const bytes = fs.readFileSync(png!);
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(bytes.readUInt32BE(16), 800, "PNG width = width × scale");
  assert.equal(bytes.readUInt32BE(20), 600, "PNG height = height × scale");
  const text = fs.readFileSync(svg!, "utf8");
  assert.match(text, /^<svg[^>]+width="400" height="300"/);
  assert.match(text, /Neurons per layer/);
  for (const label of ["L2/3", "L4", "L5", "L6"]) assert.ok(text.includes(label), `axis label ${label} in the SVG`);
});

test("an unsupported extension names the valid formats", () => {
  assert.throws(
    () => exportFigures([{ figure: { data: [], layout: {} }, file: "x.jpg" }]),
    /export file extension of x\.jpg: expected one of "png", "svg"; found "jpg"/,
  );
});

test("without a browser, export says what to install", () => {
  const script = `process.env.PATH="/nonexistent"; try { require("./lib/viz").findBrowser(); } catch (e) { console.log(e.name + ": " + e.message); }`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "-e", script], {
    cwd: path.resolve(__dirname, "../.."),
    encoding: "utf8",
    env: { ...process.env, [BROWSER_ENV]: "" },
  });
  assert.match(
    r.stdout,
    /MissingDependencyError: no Chromium or Chrome found for static figure export .*apt-get install chromium.*WORKBENCH_CHROMIUM/,
  );
});
