/**
 * `synapse`: the EM synapse pipeline for one segmentation type and α:
 * crops, VGG3D features (kept when stopped, continued on the next run),
 * UMAP, k-means, t-SNE, figures, GIFs and an offline HTML report.
 */
import { cliProgress } from "../lib/core";
import { command, EXIT, listenForStop, main } from "../lib/cli";
import { initEngine } from "../lib/engine";
import {
  pretrainedFeatureNetwork,
  runSynapsePipeline,
  SEGMENTATION_TYPES,
  SYNAPSE_PIPELINE_DEFAULTS,
  SynapsePipelineStopped,
} from "../lib/synapse";

const D = SYNAPSE_PIPELINE_DEFAULTS;

export const synapseCommand = command({
  name: "synapse",
  summary: "cluster EM synapses: VGG3D features of each crop, UMAP, k-means, t-SNE, figures, GIFs and an HTML report",
  description:
    "Writes under --out: features_seg<T>_alpha<A>.csv, clusters_*.csv, samples_*.png, gifs_*/ and report_*.html.\n" +
    "A stop request (Ctrl-C, SIGTERM, SIGUSR1) keeps the features of every finished synapse and exits with code 3;\n" +
    "the same command continues from them to the features an uninterrupted run computes.\n" +
    "Without --weights the VGG3D has random weights (said in the output and the report).",
  options: {
    data: {
      type: "string",
      placeholder: "dir",
      description: "the boxes: raw/bboxN, seg/bboxN, masks/bbox_N and the bboxN.xlsx (or .csv) tables",
      required: true,
    },
    out: { type: "string", placeholder: "dir", description: "folder for the features, clusters, figures and report", required: true },
    segType: {
      type: "integer",
      min: 0,
      description: `segmentation type: ${Object.entries(SEGMENTATION_TYPES)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ")}`,
      default: D.segType,
    },
    alpha: { type: "number", min: 0, description: "blending outside the mask, α·gray + (1−α)·raw, in [0, 1]", default: D.alpha },
    gray: { type: "number", min: 0, description: "gray level outside the mask, in [0, 1]", default: D.gray },
    k: { type: "integer", min: 1, description: "clusters of the final k-means (at most the number of synapses)", default: D.k },
    seed: { type: "integer", min: 0, description: "seed of UMAP, k-means and t-SNE", default: D.seed },
    mark: {
      type: "strings",
      placeholder: "id,…",
      description: "synapses to mark in the maps, e.g. bbox1/syn_1_01 (default: the one nearest each cluster centre)",
    },
    samples: { type: "integer", min: 1, description: "synapses per cluster in the sample grid", default: D.samplesPerCluster },
    noGifs: { type: "boolean", description: "write no GIF per synapse" },
    noTsne: { type: "boolean", description: "skip t-SNE 2D and 3D" },
    labels: {
      type: "string",
      placeholder: "synapse-labels.json",
      description: "the mask label table (default: the data folder's, else config/synapse-labels.json)",
    },
    weights: {
      type: "string",
      placeholder: "vgg3d.pth",
      description: "the pretrained VGG3D (a PyTorch state dict with features.N.* keys)",
    },
  },
  examples: [
    "npm run synapse -- --data results/data/synapses --out results/synapse --seg-type 10 --alpha 1",
    "npm run synapse -- --data boxes --out runs/synapse --weights vgg3d.pth --k 8 --no-gifs",
  ],
  async run({ values, name }) {
    const engine = await initEngine({ quiet: true });
    console.error(engine.message);
    const started = Date.now();
    const network = values.weights === undefined ? undefined : pretrainedFeatureNetwork(values.weights);
    const stop = listenForStop(name, "after this synapse (the features so far are kept)");
    const bar = cliProgress();
    let result: Awaited<ReturnType<typeof runSynapsePipeline>>;
    try {
      result = await runSynapsePipeline(values.data, values.out, {
        segType: values.segType,
        alpha: values.alpha,
        gray: values.gray,
        k: values.k,
        seed: values.seed,
        marked: values.mark,
        samplesPerCluster: values.samples,
        gifs: !values.noGifs,
        tsne: !values.noTsne,
        labelsFile: values.labels,
        network,
        onProgress: (e) => {
          bar(e);
          return !stop.requested;
        },
        log: (line) => console.error(line),
      });
    } catch (e) {
      if (!(e instanceof SynapsePipelineStopped)) throw e;
      console.log(`Stopped: ${e.run.table.rows.length} synapses' features saved in ${e.run.file} (${e.run.computed} computed now).`);
      return EXIT.stopped;
    } finally {
      stop.release();
    }
    const warnings = result.findings.filter((f) => f.level === "warning").length;
    if (warnings > 0) console.log(`${warnings} warnings (listed in the report)`);
    const a = result.analysis;
    if (a.ari !== null) console.log(`adjusted Rand index (k-means k=${a.k} vs true types): ${a.ari.toFixed(3)}`);
    if (a.ariAtTypeCount)
      console.log(
        `adjusted Rand index (k-means k=${a.ariAtTypeCount.k} = number of types vs true types): ${a.ariAtTypeCount.ari.toFixed(3)}`,
      );
    console.log(`report: ${result.files.report}`);
    console.log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s on ${engine.backend}`);
    return EXIT.done;
  },
});

if (require.main === module) main(synapseCommand);
