/**
 * How each notebook under notebooks/ is run in the tests: small parameters so
 * it finishes quickly, and the outputs it must produce (by cell tag). A
 * notebook without an entry here fails the suite, so none can be forgotten.
 */
export interface OutputExpectation {
  /** MIME types (or "stream") that must all appear among the tagged cells' outputs. */
  mimes?: string[];
  /** Text (streams and text/plain) that must match. */
  text?: RegExp;
}

export interface NotebookExpectation {
  /** `scratch` is the notebook's own folder; `shared` is shared by all notebooks of one test run (e.g. a dataset). */
  parameters: (scratch: string, shared: string) => Record<string, unknown>;
  outputs: Record<string, OutputExpectation>;
  /** Files (relative to the scratch folder) the run must have written. */
  files?: string[];
}

/** The model notebooks share one small synthetic dataset and train the tiny preset briefly. */
function modelNotebook(variant: string, nlat: boolean): NotebookExpectation {
  return {
    parameters: (scratch, shared) => ({
      DATA_DIR: `${shared}/neurons`,
      RUN_DIR: `${scratch}/run`,
      FIGURE_DIR: `${scratch}/figures`,
      SYNTH_NEURONS: 16,
      SYNTH_POINTS: 20000,
      TINY_ITERATIONS: 8,
      MAX_NEURONS: 6,
      GIF_FRAMES: 6,
    }),
    outputs: {
      engine: { text: /^Engine: \S+ on / },
      data: { mimes: ["text/html"], text: /16 neurons in .*voxel grids 32³ cached/ },
      model: {
        mimes: ["application/vnd.plotly.v1+json"],
        text: new RegExp(`tiny ${nlat ? "nlat" : "dense"} preset trained[\\s\\S]*"parameters","value":"[\\d,]+"`),
      },
      thresholds: {
        mimes: ["application/vnd.plotly.v1+json"],
        text: new RegExp(
          `F1 against threshold \\(${variant}\\)[\\s\\S]*best validation threshold 0\\.\\d+: F1 \\d\\.\\d{3}, IoU \\d\\.\\d{3}`,
        ),
      },
      reconstruction: {
        mimes: ["application/vnd.plotly.v1+json"],
        text: /F1 \d\.\d{3}, IoU \d\.\d{3} at 0\.\d+[\s\S]*ground truth \(left\) and prediction \(right\)/,
      },
      gifs: { mimes: ["image/gif"] },
      latent: nlat
        ? { mimes: ["application/vnd.plotly.v1+json"], text: /nLat: 10 of 512 latent cells decoded/ }
        : { text: /a dense run decodes the whole latent grid/ },
      export: { text: /wrote \d+ files to / },
    },
    files: [
      "figures/threshold_f1.png",
      "figures/threshold_iou.svg",
      "figures/reconstruction.png",
      "figures/histogram.svg",
      "figures/training.png",
      ...(nlat ? ["figures/latent_cells.png"] : []),
    ],
  };
}

export const NOTEBOOKS: Record<string, NotebookExpectation> = {
  "latent_embeddings_tsne.ipynb": {
    parameters: (scratch, shared) => ({
      DATA_DIR: `${shared}/neurons`,
      TABLE_DIR: `${scratch}/embeddings`,
      RUN_DIR: `${scratch}/runs`,
      TINY_ITERATIONS: 4,
      SYNTH_NEURONS: 16,
      SYNTH_POINTS: 20000,
      FIGURE_DIR: `${scratch}/figures`,
      EVALUATION_DIR: `${scratch}/evaluation`,
    }),
    outputs: {
      engine: { text: /^Engine: \S+ on / },
      tables: { mimes: ["text/html"], text: /"model":"dense64 \(tiny-dense\)","neurons":16,"dimensions":512/ },
      maps: { mimes: ["application/vnd.plotly.v1+json"], text: /t-SNE coloured by layer[\s\S]*UMAP coloured by depth/ },
      evaluation: { mimes: ["text/html"], text: /"map":"t-SNE","trustworthiness \(k=10\)":0\.\d+/ },
      baselines: {
        mimes: ["text/html"],
        text: /dense64 \(tiny-dense\)[\s\S]*random weights \(channel-max\)[\s\S]*size only[\s\S]*morphometrics[\s\S]*majority class/,
      },
      export: { text: /wrote \d+ files to / },
    },
    files: ["figures/dense64_t-SNE_layer.png", "figures/nlat64_UMAP_depth.svg", "evaluation/evaluation.csv", "evaluation/evaluation.json"],
  },
  "synapse.ipynb": {
    parameters: (scratch) => ({
      DATA_DIR: `${scratch}/data`,
      OUT_DIR: `${scratch}/out`,
      SYNTH: { seed: 5, boxes: 3, synapses: 2, width: 80, height: 80, depth: 40, cells: 6 },
      K: 4,
    }),
    outputs: {
      engine: { text: /^Engine: \S+ on / },
      segtypes: { mimes: ["image/png"] },
      features: { text: /RANDOM weights[\s\S]*6 synapses with features/ },
      analysis: { mimes: ["application/vnd.plotly.v1+json"], text: /adjusted Rand index vs true types: -?\d\.\d{3}/ },
      gif: { mimes: ["image/gif"] },
      report: { mimes: ["image/png"], text: /report: .*report_seg10_alpha1\.0\.html/ },
    },
    files: ["out/report_seg10_alpha1.0.html", "out/features_seg10_alpha1.0.csv"],
  },
  "dense64.ipynb": modelNotebook("dense64", false),
  "nlat64.ipynb": modelNotebook("nlat64", true),
  "dense128.ipynb": modelNotebook("dense128", false),
  "nlat128.ipynb": modelNotebook("nlat128", true),
  "visualize_neurons.ipynb": {
    parameters: (scratch) => ({
      DATA_DIR: `${scratch}/neurons`,
      SYNTH_NEURONS: 8,
      SYNTH_POINTS: 20000,
      REAL_POINTS: 20000,
      MAX_PLOT_POINTS: 2000,
      FIGURE_DIR: `${scratch}/figures`,
      EXPORT_FIGURES: false,
    }),
    outputs: {
      data: { mimes: ["text/html"], text: /8 synthetic neurons in .*grids 64³ and 128³ cached/ },
      synthetic: {
        mimes: ["application/vnd.plotly.v1+json"],
        text: /pyramidal_l5: skeleton[\s\S]*point cloud, 64³, 128³[\s\S]*occupied voxels 64³: \d+, 128³: \d+/,
      },
      real: {
        mimes: ["application/vnd.plotly.v1+json"],
        text: /\(Aneuron_nmo\)[\s\S]*\(purkinje\)[\s\S]*\(hippo_interneurons\)[\s\S]*\(spinal_motoneurons\)[\s\S]*occupied voxels 64³: \d+, 128³: \d+/,
      },
      export: { text: /export skipped/ },
    },
  },
  "workbench_check.ipynb": {
    parameters: (scratch) => ({ FIGURE_DIR: `${scratch}/figures`, GIF_FRAMES: 6, PROGRESS_STEPS: 10 }),
    outputs: {
      engine: { text: /^Engine: (tfjs-node-gpu|tfjs-node|wasm|cpu) on .+, tfjs 4\.22\.0/ },
      versions: { mimes: ["text/html"], text: /"TensorFlow.js","version":"4\.22\.0"/ },
      plot: { mimes: ["application/vnd.plotly.v1+json", "text/html"], text: /Plotly figure: Seeded random walk/ },
      gif: { mimes: ["image/gif"] },
      progress: { mimes: ["text/html"], text: /mean of squares \[#+\] 10\/10[\s\S]*expected about 1/ },
      export: { text: /wrote .*random_walk\.png[\s\S]*wrote .*walk_height\.svg/ },
    },
    files: ["figures/random_walk.png", "figures/walk_height.svg"],
  },
};
