/**
 * The EM synapse pipeline from the command line:
 *   npm run synapse -- --data <dir> --seg-type 10 --alpha 1.0 --out <dir>
 * Features (resumable), UMAP/t-SNE, k-means, figures, GIFs and an HTML report.
 */
import { cliProgress, ConfigError, WorkbenchError } from "../lib/core";
import { initEngine } from "../lib/engine";
import { pretrainedFeatureNetwork, runSynapsePipeline } from "../lib/synapse";

const USAGE = `usage: npm run synapse -- --data <dir> --out <dir> [--seg-type 10] [--alpha 1.0] [--gray 0.6]
                          [--k 10] [--seed 42] [--mark bbox1/syn_1_01,...] [--samples 4] [--no-gifs] [--no-tsne]
                          [--labels <synapse-labels.json>] [--weights <vgg3d.pth>]
Without --weights the VGG3D has random weights (said in the output and the report).`;

async function main(argv: string[]): Promise<number> {
  const args = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--help" || a === "-h") {
      console.log(USAGE);
      return 0;
    }
    if (a === "--no-gifs" || a === "--no-tsne") {
      flags.add(a);
      continue;
    }
    if (!a.startsWith("--") || i + 1 >= argv.length) throw new ConfigError(`unexpected argument ${JSON.stringify(a)}\n${USAGE}`);
    args.set(a.slice(2), argv[++i]!);
  }
  const known = ["data", "out", "seg-type", "alpha", "gray", "k", "seed", "mark", "samples", "labels", "weights"];
  const unknown = [...args.keys()].find((k) => !known.includes(k));
  if (unknown) throw new ConfigError(`unknown option --${unknown}\n${USAGE}`);
  if (!args.has("data") || !args.has("out")) throw new ConfigError(`--data and --out are required\n${USAGE}`);
  const num = (k: string): number | undefined => {
    if (!args.has(k)) return undefined;
    const v = Number(args.get(k));
    if (!Number.isFinite(v)) throw new ConfigError(`--${k}: expected a number, found ${JSON.stringify(args.get(k))}`);
    return v;
  };
  const engine = await initEngine();
  const started = Date.now();
  const result = await runSynapsePipeline(args.get("data")!, args.get("out")!, {
    segType: num("seg-type"),
    alpha: num("alpha"),
    gray: num("gray"),
    k: num("k"),
    seed: num("seed"),
    marked: args.get("mark")?.split(",").filter(Boolean),
    samplesPerCluster: num("samples"),
    gifs: !flags.has("--no-gifs"),
    tsne: !flags.has("--no-tsne"),
    labelsFile: args.get("labels"),
    network: args.has("weights") ? pretrainedFeatureNetwork(args.get("weights")!) : undefined,
    onProgress: cliProgress(),
  });
  const warnings = result.findings.filter((f) => f.level === "warning").length;
  if (warnings > 0) console.log(`${warnings} warnings (listed in the report)`);
  const a = result.analysis;
  if (a.ari !== null) console.log(`adjusted Rand index (k-means k=${a.k} vs true types): ${a.ari.toFixed(3)}`);
  if (a.ariAtTypeCount) console.log(`adjusted Rand index (k-means k=${a.ariAtTypeCount.k} = number of types vs true types): ${a.ariAtTypeCount.ari.toFixed(3)}`);
  console.log(`report: ${result.files.report}`);
  console.log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s on ${engine.backend}`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    if (err instanceof WorkbenchError) {
      console.error(`synapse: ${err.message}`);
      process.exitCode = 2;
    } else throw err;
  },
);
