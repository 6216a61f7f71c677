/**
 * The main job: `npm run demo [-- --out results --neurons 96 --iterations N]`.
 * Generates synthetic neurons and EM boxes, trains tiny Dense and nLat models,
 * writes embeddings, maps, synapse clusters, figures, GIFs and results/report.html.
 * Re-running keeps what is done.
 */
import { parseArgs } from "node:util";
import { cliProgress, WorkbenchError } from "../lib/core";
import { initEngine } from "../lib/engine";
import { runDemo } from "../lib/pipeline";

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      out: { type: "string", default: "results" },
      neurons: { type: "string" },
      points: { type: "string" },
      iterations: { type: "string" },
      boxes: { type: "string" },
      "synapses-per-box": { type: "string" },
      help: { type: "boolean" },
    },
  });
  if (values.help) {
    console.log("usage: npm run demo -- [--out results] [--neurons 96] [--points 100000] [--iterations N] [--boxes 4] [--synapses-per-box 8]");
    return 0;
  }
  const int = (name: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new WorkbenchError(`--${name}: expected a positive integer; found ${JSON.stringify(v)}`);
    return n;
  };
  const start = Date.now();
  await initEngine();
  const r = await runDemo({
    out: values.out,
    neurons: int("neurons", values.neurons),
    points: int("points", values.points),
    iterations: int("iterations", values.iterations),
    boxes: int("boxes", values.boxes),
    synapsesPerBox: int("synapses-per-box", values["synapses-per-box"]),
    onProgress: cliProgress(),
  });
  console.log(`\nDone in ${((Date.now() - start) / 1000).toFixed(0)} s. Open ${r.report}`);
  for (const m of r.models) console.log(`  tiny ${m.mode}: validation F1 ${m.validation.f1.toFixed(3)}, IoU ${m.validation.iou.toFixed(3)} at threshold ${m.threshold.toFixed(2)} (${m.validation.neurons} neurons never trained on)`);
  for (const s of r.synapses) console.log(`  synapses, seg type ${s.segType}: ARI ${s.ari === null ? "–" : s.ari.toFixed(3)} (k=${s.k})`);
  console.log(`  figures and GIFs: ${r.out}/figures`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof WorkbenchError ? `demo: ${e.message}` : e);
    process.exit(1);
  },
);
