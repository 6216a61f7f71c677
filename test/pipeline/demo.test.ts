import { test } from "node:test";
import { requires } from "../helpers/requires";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { initEngine } from "../../lib/engine";
import { runDemo } from "../../lib/pipeline";
import { findBrowser, screenshot } from "../../lib/viz";
import { decodePng } from "../helpers/png";

test(
  "the demo writes every result and a report that shows its figures in headless Chromium; a re-run reuses the work",
  { timeout: 30 * 60 * 1000 },
  async (t) => {
    if (!requires(t, findBrowser)) return;
    await initEngine({ quiet: true });
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "demo-"));
    const options = { out, neurons: 16, points: 10000, iterations: 4, boxes: 1, synapsesPerBox: 4, segTypes: [10], log: () => {} };
    const r = await runDemo(options);

    assert.deepEqual(
      r.models.map((m) => m.mode),
      ["dense", "nlat"],
    );
    for (const m of r.models) {
      assert.equal(m.iterations, 4);
      assert.ok(m.validation.f1 >= 0 && m.validation.f1 <= 1);
      for (const f of [...m.figures, ...m.gifs]) assert.ok(fs.statSync(f).size > 0, f);
    }
    for (const m of r.maps) {
      assert.equal(m.neurons, 16);
      // Four iterations make an untrained model, so only the presence and range of the numbers are checked.
      for (const map of ["t-SNE", "UMAP"]) {
        const q = m.quality[map]!;
        assert.ok(q.trustworthiness >= 0 && q.trustworthiness <= 1, `${map} trustworthiness ${q.trustworthiness}`);
        assert.ok(q.knnPreservation >= 0 && q.knnPreservation <= 1, `${map} k-NN preservation ${q.knnPreservation}`);
      }
      assert.deepEqual(Object.keys(m.knn).sort(), ["class", "layer"]);
    }
    // The embeddings sit beside the baselines on every label of the synthetic neurons, in the files and the report.
    const rows = fs.readFileSync(r.baselines.csv, "utf8").trim().split("\n").slice(1);
    // 16 neurons leave no class with a neuron per fold or too few training neurons for k = 10: those labels are named in the warnings instead.
    assert.ok(/label "class": .* left out of the table/.test(r.baselines.text), r.baselines.text);
    for (const label of ["depth"]) {
      const features = rows.filter((l) => l.includes(`,${label},`)).map((l) => l.split(",")[0]);
      for (const f of ["tiny dense", "tiny nlat", "random weights (channel-max)", "size only", "morphometrics"])
        assert.ok(
          features.some((x) => x!.includes(f)),
          `${label}: ${f} in ${features.join(" | ")}`,
        );
    }
    assert.ok(r.baselines.text.includes("random weights"), r.baselines.text);
    assert.equal(r.synapses.length, 1);
    assert.equal(r.synapses[0]!.synapses, 4);
    assert.ok(fs.existsSync(r.synapses[0]!.report));

    const html = fs.readFileSync(r.report, "utf8");
    const images = [...html.matchAll(/<img src="([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(images.length >= 20, `report shows ${images.length} images`);
    for (const src of images) assert.ok(fs.existsSync(path.join(out, src)), `report image ${src} exists`);
    assert.ok(!/(src|href)="(https?:)?\/\//.test(html), "nothing is loaded from the network");
    assert.ok(html.includes("The embeddings against baselines") && html.includes("morphometrics"), "the report shows the baselines table");

    const shot = path.join(out, "report.png");
    screenshot(r.report, shot, { width: 1200, height: 1600 });
    const img = decodePng(fs.readFileSync(shot));
    let inked = 0;
    const colours = new Set<number>();
    for (let i = 0; i < img.width * img.height; i++) {
      const [r0, g0, b0] = [img.pixels[i * img.channels]!, img.pixels[i * img.channels + 1]!, img.pixels[i * img.channels + 2]!];
      if (r0 + g0 + b0 < 700) inked++;
      colours.add((r0 << 16) | (g0 << 8) | b0);
    }
    // The first screen (title, table, charts mostly white inside) is about 5 % ink; the title and table alone make about 1.5 %.
    assert.ok(inked / (img.width * img.height) > 0.03, `the report is not blank (${inked} inked pixels)`);
    assert.ok(colours.size > 100, `figures are drawn (${colours.size} colours)`);

    const lines: string[] = [];
    const again = await runDemo({ ...options, log: (l) => lines.push(l) });
    assert.ok(lines.filter((l) => l.includes("done before, kept")).length >= 8, lines.join("\n"));
    assert.deepEqual(again.models, r.models);
    fs.rmSync(out, { recursive: true, force: true });
  },
);
