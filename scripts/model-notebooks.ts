// Writes the four model notebooks (notebooks/dense64.ipynb, nlat64, dense128,
// nlat128) from one template, so they stay the same notebook with another
// VARIANT. Edit the template here, then run `npx tsx scripts/model-notebooks.ts`;
// test/notebooks/model-notebooks.test.ts fails while a committed notebook
// differs from what this writes.
import * as path from "node:path";
import { writeFileAtomic } from "../lib/core";
import type { Notebook, NotebookCell } from "../lib/notebook";
import type { ModelVariant } from "../lib/pipeline";

/** What differs between the notebooks: the title and a line about the variant. */
const VARIANTS: Record<ModelVariant, { title: string; about: string }> = {
  dense64: {
    title: "Dense-64 VoxelMorph autoencoder",
    about:
      "Dense training decodes the whole latent grid and compares it with the whole input. Published validation F1 of the thesis model: about 0.867 at threshold 0.55.",
  },
  nlat64: {
    title: "nLat-64 VoxelMorph autoencoder",
    about: "nLat training decodes only K = 10 latent cells per batch (half of them occupied) to save memory; metrics use a full decoding.",
  },
  dense128: {
    title: "Dense-128 VoxelMorph autoencoder",
    about: "Dense training at grid 128: five encoder levels (32 → 512 channels), latent grid 8³, each latent cell decodes a 16³ patch.",
  },
  nlat128: {
    title: "nLat-128 VoxelMorph autoencoder",
    about: "nLat training at grid 128: K = 10 latent cells per batch, each decoding a 16³ patch.",
  },
};

export const MODEL_NOTEBOOK_VARIANTS = Object.keys(VARIANTS) as ModelVariant[];

/** One line of the parameters cell, comments aligned. */
const param = (name: string, value: string, comment: string): string => `${`const ${name} = ${value};`.padEnd(47)} // ${comment}`;
const markdown = (source: string): NotebookCell => ({ cell_type: "markdown", metadata: {}, source });
const code = (tag: string, source: string): NotebookCell => ({
  cell_type: "code",
  metadata: { tags: [tag] },
  source,
  outputs: [],
  execution_count: null,
});

/** The notebook of one variant. */
export function modelNotebook(variant: ModelVariant): Notebook {
  const { title, about } = VARIANTS[variant];
  const cells: NotebookCell[] = [
    markdown(`# ${title}

${about}

**Your own data and run:** set \`DATA_DIR\` to your dataset directory (\`manifest.csv\`, \`dataset.json\` and \`cache/<grid>/\`,
as \`npm run dataset -- create\` makes it) and \`CHECKPOINT\` to a workbench run directory of any preset (its grid, channels
and training mode are read from the run) or to a thesis \`.pth\` file (then \`VARIANT\` names its architecture). With
\`CHECKPOINT\` empty, the tiny preset is trained on \`DATA_DIR\`, where synthetic neurons are generated if it holds no dataset.

Steps: engine → data → model → threshold search on train and validation → one neuron's prediction histogram and
prediction vs ground truth in 3D → rotating and slice-through GIFs → for an nLat run, the latent cells its training
decodes → PNG/SVG export. Each step is one call into \`lib/pipeline\` (the steps \`evaluateAutoencoder\` chains);
this notebook only calls them and shows the results.`),
    code(
      "parameters",
      [
        param("VARIANT", `"${variant}"`, "dense64 | nlat64 | dense128 | nlat128: the architecture of a .pth, the mode of a new tiny run"),
        param(
          "CHECKPOINT",
          `""`,
          'a workbench run directory (any preset), one of its checkpoints, or a thesis .pth ("" = train the tiny preset)',
        ),
        param("DATA_DIR", `"../results/data/neurons"`, "dataset directory (synthetic neurons are generated if it holds none)"),
        param("RUN_DIR", `"../results/runs/notebook-${variant}"`, "where the tiny run is kept (resumed when it is there)"),
        param("TRAIN", "false", "continue training the run before evaluating it"),
        param("TINY_ITERATIONS", "300", "iterations of the tiny preset"),
        param("SYNTH_NEURONS", "96", "synthetic neurons generated when DATA_DIR holds no dataset"),
        param("SYNTH_POINTS", "100000", "surface points per synthetic neuron"),
        param("MAX_NEURONS", "48", "neurons per split for the threshold search (0 = all)"),
        param("NEURON", `""`, 'neuron to show ("" = the first validation neuron)'),
        param("GIF_FRAMES", "24", "frames of the rotating GIF"),
        param("FIGURE_DIR", `"../results/figures/${variant}"`, "where the GIFs and figures go"),
        param("EXPORT_FIGURES", "true", "write the GIFs and every figure (PNG and SVG) to FIGURE_DIR"),
      ].join("\n"),
    ),
    code(
      "engine",
      `import { initEngine } from "../dist/engine";
import { countParameters } from "../dist/models";
import {
  decodedLatentCells, ensureNeuronDataset, exportEvaluationFigures, modelGrid, neuronGifs, prepareAutoencoder,
  reconstructNeuron, searchThreshold, thresholdTable, trainingCurves, trainingMonitor, type EvaluationOptions,
} from "../dist/pipeline";
import { progressDisplay, showFigure, showGif, showTable } from "../dist/viz";

const engine = await initEngine({ quiet: true });
console.log(engine.message);
const GRID = modelGrid(VARIANT, CHECKPOINT, RUN_DIR);`,
    ),
    markdown("## Data"),
    code(
      "data",
      `const dataset = await ensureNeuronDataset({ dir: DATA_DIR, grids: [GRID], count: SYNTH_NEURONS, points: SYNTH_POINTS, onProgress: progressDisplay() });
const splits = [...new Set(dataset.rows.map((r) => r.split))].map((s) => ({ split: s, neurons: dataset.ids(s).length }));
showTable(splits);
console.log(\`\${dataset.rows.length} neurons in \${DATA_DIR}, voxel grids \${GRID}³ cached\`);`,
    ),
    markdown(
      "## Model\nThe weights, the architecture and how the model was trained; the run's loss and validation curves when it has a log.",
    ),
    code(
      "model",
      `const setup = await prepareAutoencoder({
  variant: VARIANT, checkpoint: CHECKPOINT, dataset: dataset, runDir: RUN_DIR, train: TRAIN, iterations: TINY_ITERATIONS,
  onProgress: trainingMonitor(CHECKPOINT || RUN_DIR, \`Training (\${VARIANT} notebook)\`),
});
const ae = setup.autoencoder;
showTable([
  { property: "weights", value: setup.origin },
  { property: "grid", value: \`\${ae.grid}³ → latent 8³ × \${ae.channels.at(-1)}\` },
  { property: "channels", value: ae.channels.join(" → ") },
  { property: "patch per latent cell", value: \`\${ae.patchSize}³\` },
  { property: "parameters", value: countParameters(ae.model).toLocaleString("en") },
  { property: "training mode", value: setup.options ? setup.mode : \`\${setup.mode} (named by VARIANT)\` },
  { property: "splits", value: \`\${setup.splits.train}, \${setup.splits.validation}\` },
]);
const evaluation: EvaluationOptions = {
  name: VARIANT, mode: setup.mode, latentCells: setup.latentCells, splits: setup.splits, runDir: setup.runDir,
  limit: MAX_NEURONS, neuron: NEURON, gifFrames: GIF_FRAMES, figureDir: FIGURE_DIR, export: EXPORT_FIGURES,
};
const training = trainingCurves(evaluation);
if (training.figures.training) showFigure(training.figures.training);`,
    ),
    markdown(
      "## Threshold search\nMean F1 and IoU over batches at thresholds 0.10, 0.15, …, 0.95 on train and validation neurons; the best validation F1 picks the threshold.",
    ),
    code(
      "thresholds",
      `const search = await searchThreshold(ae, dataset, { ...evaluation, onProgress: progressDisplay() });
showFigure(search.figures.threshold_f1);
showFigure(search.figures.threshold_iou);
showTable(thresholdTable(search), 3);
const best = search.best;
console.log(\`best validation threshold \${best.threshold.toFixed(2)}: F1 \${best.validation.f1.toFixed(3)}, IoU \${best.validation.iou.toFixed(3)} (\${search.scores.validation.neurons} neurons of split "\${search.splits.validation}"; train F1 \${best.train.f1.toFixed(3)})\`);`,
    ),
    markdown(
      "## One neuron: prediction vs ground truth\nThe histogram of its predicted probabilities, and interactive 3D, 10 % cropped per side; the legend gives IoU and F1 at the chosen threshold.",
    ),
    code(
      "reconstruction",
      `const neuron = reconstructNeuron(ae, dataset, best.threshold, evaluation);
const labels = Object.entries(neuron.labels).map(([k, v]) => \`\${k} \${v}\`).join(", ");
console.log(\`neuron \${neuron.id} (\${labels}): F1 \${neuron.scores.f1.toFixed(3)}, IoU \${neuron.scores.iou.toFixed(3)} at \${neuron.threshold.toFixed(2)}\`);
showFigure(neuron.figures.histogram);
showFigure(neuron.figures.reconstruction);`,
    ),
    markdown(
      "## GIFs\nGround truth (blue) and prediction (orange) turning about the depth axis, and the z slices (truth left, probability right).",
    ),
    code(
      "gifs",
      `const gifs = neuronGifs(neuron, evaluation);
showGif(gifs.rotating, \`rotating view, neuron \${neuron.id}\`);
showGif(gifs.slices, \`z slices, neuron \${neuron.id}\`);`,
    ),
    markdown(
      "## What nLat training decodes\nFor an nLat run: K latent cells chosen as in training (half occupied, half random), decoded alone and put back in place; the boxes are the decoded cells (orange: occupied). A dense run decodes the whole latent grid, so there is nothing to show.",
    ),
    code(
      "latent",
      `const latent = decodedLatentCells(ae, neuron, evaluation);
if (latent) {
  showFigure(latent.figures.latent_cells);
  console.log(\`decoded cells: \${latent.cells.join(", ")} (\${latent.occupied} occupied)\`);
} else console.log(\`a \${setup.mode} run decodes the whole latent grid: no partial decoding to show\`);`,
    ),
    markdown("## Export\nEvery figure above as PNG (about 300 dpi) and SVG, for the thesis, beside the GIFs."),
    code(
      "export",
      `const written = [...gifs.files, ...exportEvaluationFigures([training, search, neuron, latent], evaluation)];
console.log(EXPORT_FIGURES ? \`wrote \${written.length} files to \${FIGURE_DIR}\` : "export skipped (EXPORT_FIGURES = false)");`,
    ),
  ];
  return {
    // nbformat 4.5 wants an id per cell; fixed ones keep the files stable.
    cells: cells.map((c, i) => ({ ...c, id: `c${String(i).padStart(2, "0")}` })),
    metadata: {
      kernelspec: { display_name: "TypeScript", language: "typescript", name: "tslab" },
      language_info: { name: "typescript", file_extension: ".ts", mimetype: "text/typescript" },
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

/**
 * The notebook's text as Python's json.dump(nb, f, indent=1) writes it
 * (non-ASCII escaped, no final newline), so a notebook edited through
 * json.load and json.dump keeps the same bytes.
 */
export function notebookText(nb: Notebook): string {
  return JSON.stringify(nb, null, 1).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** notebooks/<variant>.ipynb under `root`. */
export function modelNotebookFile(root: string, variant: ModelVariant): string {
  return path.join(root, "notebooks", `${variant}.ipynb`);
}

if (require.main === module) {
  const root = path.resolve(__dirname, "..");
  for (const variant of MODEL_NOTEBOOK_VARIANTS) {
    writeFileAtomic(modelNotebookFile(root, variant), notebookText(modelNotebook(variant)));
    console.log(`wrote ${path.relative(root, modelNotebookFile(root, variant))}`);
  }
}
