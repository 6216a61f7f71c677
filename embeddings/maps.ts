/**
 * `maps`: t-SNE and UMAP maps of an embedding table written by `embed`, as
 * CSV coordinates with every label, quality numbers and figures. Maps already
 * written with the same settings are kept; a stop request ends the map being
 * computed and exits with code 3, and the same command continues.
 */
import * as path from "node:path";
import { cliProgress } from "../lib/core";
import { command, EXIT, listenForStop, main } from "../lib/cli";
import { openDataset } from "../lib/dataset";
import { readEmbeddingTable } from "../lib/embeddings";
import { MAP_METHODS, withDatasetLabels, writeEmbeddingMaps, type MapMethod } from "../lib/pipeline";

export const mapsCommand = command({
  name: "maps",
  summary: "t-SNE / UMAP maps of an embedding table: coordinates CSV, quality.json, HTML, PNG and SVG figures",
  description:
    "Writes into --out, per map: <method>.csv (id, x, y[, z], split, every label column), <method>.json (its settings and quality),\n" +
    "and for all: quality.json (trustworthiness, k-NN preservation, k-NN accuracy per categorical label, of the embedding and of each map),\n" +
    "maps.html (interactive, offline) and <method>_<column>.png/.svg, one figure per --color-by column (PNG/SVG need Chromium: without it\n" +
    "only the HTML is written and stderr says so). A column whose values are all numbers is drawn with a colour bar, any other with a legend.\n" +
    "Labels are the table's columns, joined with the manifest's when --data is given. The same seed gives the same CSV; a map whose CSV and\n" +
    "JSON are there with the same settings and table is not computed again.",
  options: {
    embeddings: {
      type: "string",
      placeholder: "table",
      description: "embedding table from `embed`: <stem>.csv, <stem>.npy or the stem",
      required: true,
    },
    out: { type: "string", placeholder: "dir", description: "directory to write the maps into", required: true },
    method: { type: "strings", description: "which maps", choices: MAP_METHODS, default: [...MAP_METHODS] },
    dims: { type: "string", description: "map dimensions", choices: ["2", "3"], default: "2" },
    perplexity: {
      type: "number",
      description: "t-SNE perplexity (lowered to (n − 1)/3 for small tables; the thesis maps use 300)",
      default: 30,
      min: 1,
    },
    neighbours: { type: "integer", description: "UMAP neighbourhood size", default: 15, min: 2 },
    colorBy: {
      type: "strings",
      placeholder: "column,…",
      description: "columns to colour by, one figure each (default every label column)",
    },
    seed: { type: "integer", description: "seed of the maps, the quality sample and the k-NN folds", default: 42 },
    data: { type: "string", placeholder: "dataset dir", description: "dataset whose manifest labels are joined to the table by id" },
  },
  examples: [
    "npm run maps -- --embeddings results/embeddings/dense64.csv --out results/maps/dense64",
    "npm run maps -- --embeddings emb.npy --out maps --method tsne --perplexity 300 --color-by layer,depth --data results/data/neurons",
    "npm run maps -- --embeddings emb --out maps3d --dims 3 --method umap --neighbours 30",
  ],
  async run({ values, name }) {
    const read = readEmbeddingTable(values.embeddings);
    const table = values.data ? withDatasetLabels(read, openDataset(values.data)) : read;
    console.error(
      `${table.ids.length} neurons × ${table.dim} from ${values.embeddings}; labels: ${Object.keys(table.labels).join(", ") || "none"}`,
    );
    const stop = listenForStop(name, "now (the map being computed is dropped; maps already written are kept)");
    const bar = cliProgress();
    let result: Awaited<ReturnType<typeof writeEmbeddingMaps>>;
    try {
      result = await writeEmbeddingMaps(table, values.out, {
        methods: [...new Set(values.method)] as MapMethod[],
        dims: values.dims === "3" ? 3 : 2,
        perplexity: values.perplexity,
        neighbours: values.neighbours,
        seed: values.seed,
        colorBy: values.colorBy,
        tableFile: values.embeddings,
        onProgress: (e) => {
          bar(e);
          return !stop.requested;
        },
        log: (line) => console.error(line),
      });
    } finally {
      stop.release();
    }
    if (result.stopped) {
      console.log(`Stopped; ${result.maps.length} map(s) written to ${values.out}.`);
      return EXIT.stopped;
    }
    for (const m of result.maps) {
      const q = m.quality;
      console.log(
        `${m.csv}${m.reused ? " (kept)" : ""}: trustworthiness ${q.trustworthiness.toFixed(4)}, k-NN preservation ${q.knnPreservation.toFixed(4)} (k = ${q.k})`,
      );
    }
    console.log(
      `Quality: ${result.quality}; figures: ${result.html}${result.images.length ? ` and ${result.images.length} PNG/SVG files in ${path.resolve(values.out)}` : ""}`,
    );
    if (result.imagesMissing) console.error(`no PNG/SVG written, only the HTML: ${result.imagesMissing}`);
    return EXIT.done;
  },
});

if (require.main === module) main(mapsCommand);
