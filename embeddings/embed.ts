/**
 * One latent vector per neuron (max over channels of the 8³ latent) for a
 * dataset directory, written as <out>.csv plus <out>.npy + <out>.meta.csv.
 *
 *   npm run embed -- --checkpoint <run dir | file.pth> --model dense64|nlat64|dense128|nlat128 \
 *                    --data <dataset dir> --out <file> [--split all|train|val|test] [--shard i/N] [--batch 8]
 *   npm run embed -- merge --out <file> --shards N [--data <dataset dir>] [--split all]
 *
 * A run resumes where it stopped (chunks under <out>.parts/). With --shard i/N
 * it embeds one N-th of the neurons into <out>.shard-i-of-N.*; `merge` joins
 * the N shards after checking that no neuron is missing or doubled.
 */
import { checkChoice, cliProgress, ConfigError, WorkbenchError } from "../lib/core";
import { openDataset } from "../lib/dataset";
import { describeMerge, embedDataset, mergeEmbeddingShards, parseShard } from "../lib/embeddings";
import { initEngine } from "../lib/engine";
import { disposeInferenceNetwork, INFER_MODELS, loadInferenceNetwork } from "../lib/interop";

const USAGE = [
  `usage: npm run embed -- --checkpoint <run dir | file.pth> --model ${INFER_MODELS.filter((m) => m !== "vgg3d").join("|")} --data <dataset dir> --out <file> [--split all] [--shard i/N] [--batch 8]`,
  `       npm run embed -- merge --out <file> --shards N [--data <dataset dir>] [--split all]`,
].join("\n");

const EMBED_FLAGS = ["checkpoint", "model", "data", "out", "split", "shard", "batch"] as const;
const MERGE_FLAGS = ["out", "shards", "data", "split"] as const;

export function parseEmbedArgs<K extends string>(argv: string[], flags: readonly K[], required: readonly K[]): Partial<Record<K, string>> | null {
  const values: Partial<Record<K, string>> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--help" || a === "-h") return null;
    if (!a.startsWith("--")) throw new ConfigError(`embed: unexpected argument ${JSON.stringify(a)}\n${USAGE}`);
    let [flag, value] = a.slice(2).split("=", 2) as [string, string | undefined];
    const key = checkChoice("embed: option", flag, flags);
    if (value === undefined) value = argv[++i];
    if (value === undefined) throw new ConfigError(`embed: --${flag} needs a value`);
    values[key] = value;
  }
  const missing = required.filter((k) => !values[k]);
  if (missing.length) throw new ConfigError(`embed: missing ${missing.map((k) => `--${k}`).join(", ")}\n${USAGE}`);
  return values;
}

async function embed(argv: string[]): Promise<number> {
  const args = parseEmbedArgs(argv, EMBED_FLAGS, ["checkpoint", "model", "data", "out"]);
  if (!args) {
    console.log(USAGE);
    return 0;
  }
  const model = checkChoice("embed --model", args.model, INFER_MODELS.filter((m) => m !== "vgg3d"));
  const batchSize = args.batch === undefined ? undefined : Number(args.batch);
  if (batchSize !== undefined && !(Number.isInteger(batchSize) && batchSize >= 1)) throw new ConfigError(`embed --batch: expected a positive integer, found ${args.batch}`);
  const engine = await initEngine();
  console.error(engine.message);
  const dataset = openDataset(args.data!);
  const net = loadInferenceNetwork(args.checkpoint!, model);
  if (net.kind !== "autoencoder") throw new ConfigError(`embed: ${model} is not an autoencoder`);
  const progress = cliProgress();
  let interrupted = false;
  process.once("SIGINT", () => {
    interrupted = true;
    console.error("\nstopping after this batch (Ctrl-C again to kill)…");
  });
  try {
    const r = await embedDataset(net.autoencoder.encoder, dataset, net.autoencoder.grid, args.out!, {
      split: args.split,
      shard: args.shard === undefined ? undefined : parseShard(args.shard),
      batchSize,
      onProgress: (e) => (interrupted ? false : progress(e)),
    });
    const rate = r.computed / r.seconds;
    if (!r.complete) {
      console.error(`stopped after ${r.computed} neurons; run the same command again to continue`);
      return 130;
    }
    console.log(`${r.total} neurons → ${r.files!.csv}, ${r.files!.npy} (${r.computed} embedded now at ${rate.toFixed(2)} neurons/s on ${engine.backend})`);
    return 0;
  } finally {
    disposeInferenceNetwork(net);
  }
}

function merge(argv: string[]): number {
  const args = parseEmbedArgs(argv, MERGE_FLAGS, ["out", "shards"]);
  if (!args) {
    console.log(USAGE);
    return 0;
  }
  const count = Number(args.shards);
  let expected: string[] | undefined;
  if (args.data) {
    const dataset = openDataset(args.data);
    expected = !args.split || args.split === "all" ? dataset.ids() : dataset.ids(args.split);
  }
  const r = mergeEmbeddingShards(args.out!, count, expected);
  console.log(describeMerge(r));
  return r.ok ? 0 : 1;
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const run = argv[0] === "merge" ? Promise.resolve(merge(argv.slice(1))) : embed(argv);
  run.then(
    (code) => process.exit(code),
    (err: unknown) => {
      if (err instanceof WorkbenchError) {
        console.error(`embed: ${err.message}`);
        process.exit(2);
      }
      throw err;
    },
  );
}
