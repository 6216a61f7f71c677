/**
 * `synth`: synthetic data for the shipped default and for tests.
 *   synth neurons   cortical neurons: SWC skeletons, upstream-layout .npz clouds, a dataset directory
 *   synth synapses  EM boxes in the original layout, with the true synapse types
 */
import { cliProgress } from "../lib/core";
import { command, commandGroup, EXIT, main, UsageError } from "../lib/cli";
import { NEURON_CLASSES, SYNTHETIC_SYNAPSE_TYPES, synthNeurons, TRUE_TYPE_COLUMN, writeSyntheticSynapses } from "../lib/synthetic";
import type { NeuronClass } from "../lib/synthetic";

const seconds = (started: number): string => `${((Date.now() - started) / 1000).toFixed(1)} s`;

export const synthNeuronsCommand = command({
  name: "neurons",
  summary: "synthetic cortical neurons as a dataset directory (SWC, .npz point clouds, manifest), optionally voxelised",
  description:
    "Writes <out>/swc/<id>.swc, <out>/coords/<id>.npz (the upstream layout: key data, float16, µm/1000), manifest.csv and dataset.json\n" +
    "with the labels class, layer and depth, and train/val/test splits that mix the classes. The same seed gives the same neurons.",
  options: {
    out: { type: "string", placeholder: "dir", description: "dataset directory to write", required: true },
    count: { type: "integer", description: "neurons to generate, spread evenly over the classes", default: 64, min: 1 },
    seed: { type: "integer", description: "seed of everything random", default: 1996, min: 0 },
    points: { type: "integer", description: "surface points per neuron", default: 100_000, min: 1 },
    classes: {
      type: "strings",
      placeholder: "class,…",
      description: "neuron classes to draw from",
      choices: NEURON_CLASSES,
      default: [...NEURON_CLASSES],
    },
    grids: {
      type: "integers",
      placeholder: "size,…",
      description: "also voxelise into the dataset's cache at these grid sizes (none when not given)",
      min: 8,
    },
    workers: { type: "integer", description: "threads for voxelising", default: 1, min: 1 },
  },
  examples: [
    "npm run synth -- neurons --out results/data/neurons --count 96 --grids 32",
    "npm run synth -- neurons --out l23 --classes pyramidal_l23,basket --count 20",
  ],
  async run({ values }) {
    const started = Date.now();
    const res = await synthNeurons({ ...values, classes: values.classes as NeuronClass[], onProgress: cliProgress() });
    const bySplit = new Map<string, number>();
    for (const r of res.rows) bySplit.set(r.split, (bySplit.get(r.split) ?? 0) + 1);
    console.log(
      `wrote ${res.rows.length} neurons to ${res.dir} (${[...bySplit].map(([s, n]) => `${s} ${n}`).join(", ")}) in ${seconds(started)}`,
    );
    if (res.cache) {
      console.log(`cache: ${res.cache.built} voxelised, ${res.cache.skipped} already cached, ${res.cache.failed.length} failed`);
      for (const f of res.cache.failed) console.error(`  ${f.id}: ${f.message}`);
      if (res.cache.failed.length > 0) return EXIT.failed;
    }
    return EXIT.done;
  },
});

export const synthSynapsesCommand = command({
  name: "synapses",
  summary: "synthetic EM boxes in the original layout (raw/, seg/, masks/, bboxN.xlsx) with the true synapse types",
  description:
    `Writes <out>/raw/bboxN, seg/bboxN and masks/bbox_N as TIFF slices, bboxN.xlsx with synapse types\n` +
    `${SYNTHETIC_SYNAPSE_TYPES.map((t) => t.name).join(", ")} in the column "${TRUE_TYPE_COLUMN}", and synapse-labels.json.`,
  options: {
    out: { type: "string", placeholder: "dir", description: "directory to write the boxes to", required: true },
    seed: { type: "integer", description: "seed of everything random", default: 1996, min: 0 },
    boxes: { type: "integer", description: "boxes bbox1..bboxN to write (at most 7, as the original)", default: 4, min: 1 },
    synapsesPerBox: { type: "integer", description: "synapses in each box, the types in turn", default: 8, min: 1 },
    size: { type: "integers", placeholder: "W,H,D", description: "extent of each box in voxels", default: [224, 224, 96], min: 1 },
    cells: { type: "integer", description: "neurons (Voronoi cells) in each box", default: 16, min: 1 },
  },
  examples: ["npm run synth -- synapses --out results/data/synapses --seed 7"],
  run({ values }) {
    const { out, size } = values;
    if (size.length !== 3) throw new UsageError(`--size: expected three integers W,H,D; found ${size.join(",")}`);
    const started = Date.now();
    const summary = writeSyntheticSynapses(out, {
      seed: values.seed,
      boxes: values.boxes,
      synapses: values.synapsesPerBox,
      cells: values.cells,
      width: size[0],
      height: size[1],
      depth: size[2],
    });
    const types = Object.entries(summary.types)
      .map(([t, n]) => `${t} ${n}`)
      .join(", ");
    console.log(`wrote ${summary.boxes} boxes, ${summary.synapses} synapses (${types}) to ${out} in ${seconds(started)}`);
  },
});

export const synthCommand = commandGroup({
  name: "synth",
  summary: "synthetic neurons or EM synapse boxes, seeded",
  commands: [synthNeuronsCommand, synthSynapsesCommand],
});

if (require.main === module) main(synthCommand);
