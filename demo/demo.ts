/**
 * `demo`, the main job: generates synthetic neurons and EM boxes, trains tiny
 * Dense and nLat models, writes embeddings, maps, synapse clusters, figures,
 * GIFs and <out>/report.html. Re-running keeps what is done.
 */
import { cliProgress } from "../lib/core";
import { command, main } from "../lib/cli";
import { initEngine } from "../lib/engine";
import { runDemo } from "../lib/pipeline";
import { PRESETS } from "../lib/train";

export const demoCommand = command({
  name: "demo",
  summary: "the main job: synthetic data, tiny Dense and nLat models, embeddings, maps, synapse clusters and an HTML report",
  description:
    "Writes <out>/data, runs/, embeddings/, synapse/, figures/ (PNG, SVG, GIFs) and report.html. Each finished step is recorded in\n" +
    "<out>/demo-state.json, so a re-run, or a run after an interruption, keeps what is done and continues.",
  options: {
    out: { type: "string", placeholder: "dir", description: "folder of every result", default: "results" },
    neurons: { type: "integer", description: "synthetic neurons to generate", default: 96, min: 1 },
    points: { type: "integer", description: "surface points per synthetic neuron", default: 100_000, min: 1 },
    iterations: {
      type: "integer",
      description: "training iterations of each tiny model, the tiny preset's by default",
      default: PRESETS.tiny.iterations,
      min: 2,
    },
    boxes: { type: "integer", description: "synthetic EM boxes", default: 4, min: 1 },
    synapsesPerBox: { type: "integer", description: "synapses in each EM box", default: 8, min: 1 },
  },
  examples: ["npm run demo", "npm run demo -- --out quick --neurons 24 --points 20000 --iterations 40"],
  async run({ values }) {
    const start = Date.now();
    await initEngine();
    const r = await runDemo({ ...values, onProgress: cliProgress() });
    console.log(`\nDone in ${((Date.now() - start) / 1000).toFixed(0)} s. Open ${r.report}`);
    for (const m of r.models)
      console.log(
        `  tiny ${m.mode}: validation F1 ${m.validation.f1.toFixed(3)}, IoU ${m.validation.iou.toFixed(3)} at threshold ${m.threshold.toFixed(2)} (${m.validation.neurons} neurons never trained on)`,
      );
    console.log(`  the embeddings against baselines (${r.baselines.csv}):\n\n${r.baselines.text}`);
    for (const s of r.synapses) console.log(`  synapses, seg type ${s.segType}: ARI ${s.ari === null ? "–" : s.ari.toFixed(3)} (k=${s.k})`);
    console.log(`  figures and GIFs: ${r.out}/figures`);
    const results = /^[\w./-]+$/.test(r.out) ? r.out : `'${r.out.replace(/'/g, "'\\''")}'`;
    console.log(`\nExplore the maps and the neurons and synapses behind their points: npm run explore -- --results ${results} --open`);
  },
});

if (require.main === module) main(demoCommand);
