/**
 * `embed`: one latent vector per neuron (max over channels of the 8³ latent)
 * for a dataset directory, written as <out>.csv plus <out>.npy + <out>.meta.csv.
 * A run keeps its finished chunks (under <out>.parts/) when stopped or killed
 * and continues from them; with --shard i/N it embeds one N-th of the neurons
 * into <out>.shard-i-of-N.*, and `embed merge` joins the N shards after
 * checking that no neuron is missing or doubled.
 */
import { cliProgress, WorkbenchError } from "../lib/core";
import { command, commandGroup, EXIT, listenForStop, main } from "../lib/cli";
import { openDataset } from "../lib/dataset";
import {
  completeEmbeddingTable,
  describeMerge,
  EMBED_DEFAULTS,
  embedDataset,
  mergeEmbeddingShards,
  parseShard,
  POOLINGS,
  SLURM_SHARD,
} from "../lib/embeddings";
import type { Pooling } from "../lib/embeddings";
import { initEngine } from "../lib/engine";
import { AUTOENCODER_MODELS, disposeInferenceNetwork, loadInferenceNetwork, type AutoencoderModel } from "../lib/interop";

const SPLIT = {
  type: "string",
  description: "which neurons: a split of the dataset's manifest (train, val, test, …) or all",
  default: EMBED_DEFAULTS.split,
} as const;

const alreadyComplete = (neurons: number, files: { csv: string; npy: string }) =>
  `Already complete: ${neurons} neurons in ${files.csv}, ${files.npy}; nothing recomputed.`;

export const embedNeuronsCommand = command({
  name: "embed",
  summary: "embed every neuron of a dataset with an autoencoder's encoder (512 values each)",
  options: {
    checkpoint: {
      type: "string",
      placeholder: "run dir | file.pth",
      description: "a workbench run or checkpoint directory, or a PyTorch .pth/.pt file",
      required: true,
    },
    model: {
      type: "string",
      choices: AUTOENCODER_MODELS,
      description: "the autoencoder a .pth holds (needed for one); a workbench directory says it, and must agree when it is given",
    },
    data: {
      type: "string",
      placeholder: "dataset dir",
      description: "dataset directory with a cache at the model's grid (npm run dataset -- create …)",
      required: true,
    },
    out: { type: "string", placeholder: "file", description: "the table to write, with or without .csv", required: true },
    split: SPLIT,
    shard: {
      type: "string",
      placeholder: `i/N|${SLURM_SHARD}`,
      description: `embed only shard i of N (0-based) into <out>.shard-i-of-N.*; ${SLURM_SHARD}: i and N of this Slurm job array task`,
    },
    batch: { type: "integer", min: 1, description: "volumes per encoder call (memory only)", default: EMBED_DEFAULTS.batchSize },
    chunk: {
      type: "integer",
      min: 1,
      description: "neurons per saved chunk: a stop keeps the finished chunks",
      default: EMBED_DEFAULTS.chunkSize,
    },
    pooling: {
      type: "string",
      choices: POOLINGS,
      default: EMBED_DEFAULTS.pooling,
      description:
        "how the 8³ latent becomes one vector: channel-max (the thesis: 512 values), global-max, global-mean, global-max+mean (per channel; docs/embeddings-choices.md)",
    },
  },
  examples: [
    "npm run embed -- --checkpoint results/runs/tiny --data results/data/neurons --out results/embeddings/tiny",
    "npm run embed -- --checkpoint dense64.pth --model dense64 --data neurons --out emb/dense64 --shard 3/8",
    `sbatch --array=0-7 --wrap "npx neuro-workbench embed --checkpoint runs/dense64 --data neurons --out emb/dense64 --shard ${SLURM_SHARD}"`,
  ],
  async run({ values, name }) {
    const shard = values.shard === undefined ? undefined : parseShard(values.shard);
    const dataset = openDataset(values.data);
    // A finished table is reported before the engine starts and the checkpoint loads: a re-submitted task ends in a second.
    const complete = completeEmbeddingTable(dataset, values.out, { split: values.split, shard });
    if (complete) {
      console.log(alreadyComplete(complete.ids.length, complete.files));
      return EXIT.done;
    }
    const engine = await initEngine({ quiet: true });
    console.error(engine.message);
    // The option's choices are the autoencoder models, so the loader gives an autoencoder.
    const net = loadInferenceNetwork(values.checkpoint, values.model as AutoencoderModel | undefined);
    const stop = listenForStop(name, "after this batch (finished chunks are kept)");
    const bar = cliProgress();
    let r: Awaited<ReturnType<typeof embedDataset>>;
    try {
      console.error(`${net.description} from ${values.checkpoint}${shard ? `, shard ${shard.index}/${shard.count}` : ""}`);
      r = await embedDataset(net.autoencoder.encoder, dataset, net.autoencoder.grid, values.out, {
        split: values.split,
        shard,
        batchSize: values.batch,
        chunkSize: values.chunk,
        pooling: values.pooling as Pooling,
        onProgress: (e) => {
          bar(e);
          return !stop.requested;
        },
      });
    } finally {
      stop.release();
      disposeInferenceNetwork(net);
    }
    if (!r.complete) {
      console.log(`Stopped: ${r.saved} of ${r.total} neurons saved in finished chunks (${r.computed} embedded now).`);
      return EXIT.stopped;
    }
    if (r.alreadyComplete) console.log(alreadyComplete(r.total, r.files!));
    else {
      const files = `${r.files!.csv}, ${r.files!.npy}`;
      const encoderShare = ((100 * r.encoderSeconds) / r.seconds).toFixed(1);
      console.log(
        `${r.total} neurons → ${files} (${r.computed} embedded now at ${(r.computed / r.seconds).toFixed(2)} neurons/s on ${engine.backend}, ${encoderShare} % of the time in the encoder)`,
      );
    }
    return EXIT.done;
  },
});

export const embedMergeCommand = command({
  name: "merge",
  summary: "join the N shard tables of `embed --shard` into one, checking that no neuron is missing or doubled",
  description:
    "Writes <out>.csv, .npy and .meta.csv only when every shard is there and every neuron appears once (in the dataset's order with --data).",
  options: {
    out: { type: "string", placeholder: "file", description: "the --out the shards were written with", required: true },
    shards: { type: "integer", min: 1, placeholder: "N", description: "the N of --shard i/N", required: true },
    data: {
      type: "string",
      placeholder: "dataset dir",
      description: "also check that every neuron of this dataset (and --split) is present",
    },
    split: { ...SPLIT, description: `${SPLIT.description}; with --data` },
  },
  examples: ["npm run embed -- merge --out emb/dense64 --shards 8 --data neurons"],
  run({ values }) {
    let expected: string[] | undefined;
    if (values.data !== undefined) {
      const dataset = openDataset(values.data);
      expected = values.split === "all" ? dataset.ids() : dataset.ids(values.split);
    }
    const r = mergeEmbeddingShards(values.out, values.shards, expected);
    if (!r.ok) throw new WorkbenchError(describeMerge(r));
    console.log(describeMerge(r));
    return EXIT.done;
  },
});

export const embedCommand = commandGroup({
  name: "embed",
  summary: "embed the neurons of a dataset (or `embed merge` the shards of a job array)",
  // `embed --help` shows the group, so what the embedding does is said here.
  description:
    "Without a command: writes <out>.csv (id, split, the manifest's labels, emb_1..emb_512), <out>.npy (float32 n × 512) and\n" +
    "<out>.meta.csv. Finished chunks are kept under <out>.parts/: a stop request (Ctrl-C, SIGTERM, SIGUSR1) keeps them and exits\n" +
    "with code 3, and the same command continues to the table an uninterrupted run writes. A table already complete is reported,\n" +
    `not recomputed. In a Slurm job array (sbatch --array=0-7 …), --shard ${SLURM_SHARD} takes i and N from SLURM_ARRAY_TASK_ID and\n` +
    "SLURM_ARRAY_TASK_COUNT (or SLURM_ARRAY_TASK_MIN/MAX); `embed merge --shards N` then joins the shards.",
  commands: [embedMergeCommand],
  default: embedNeuronsCommand,
});

if (require.main === module) main(embedCommand);
