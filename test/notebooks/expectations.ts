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
  parameters: (scratch: string) => Record<string, unknown>;
  outputs: Record<string, OutputExpectation>;
  /** Files (relative to the scratch folder) the run must have written. */
  files?: string[];
}

export const NOTEBOOKS: Record<string, NotebookExpectation> = {
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
