import { escapeHtml, figureHtml, htmlPage } from "../viz";
import type { Figure } from "../viz";
import type { SynapseAnalysis } from "./analysis";
import { SEGMENTATION_TYPES } from "./crop";
import type { FeatureRun } from "./features";
import { RANDOM_WEIGHTS_WARNING } from "./features";
import { formatFinding } from "./findings";

export interface SynapseReportInput {
  dataDir: string;
  segType: number;
  alpha: number;
  gray: number;
  run: FeatureRun;
  analysis: SynapseAnalysis;
  figures: Record<string, Figure>;
  /** Sample grid PNG, relative to the report. */
  samplesImage: string;
  /** GIFs of the representative synapses, relative to the report. */
  gifs: Array<{ id: string; cluster: number; file: string }>;
}

const FIGURE_ORDER: Array<[string, string]> = [
  ["umapByBox", "UMAP coloured by bounding box"],
  ["umapByCluster", "UMAP coloured by k-means cluster"],
  ["umapByType", "UMAP coloured by the known (synthetic) type"],
  ["elbow", "Elbow and silhouette curves"],
  ["tsne2d", "t-SNE 2D"],
  ["tsne3d", "t-SNE 3D"],
];

/**
 * One run of the synapse pipeline as a page that opens offline: plotly.js is
 * embedded, the sample grid and GIFs are files beside the page.
 */
export function synapseReportHtml(r: SynapseReportInput): string {
  const a = r.analysis;
  const params: Array<[string, string]> = [
    ["data", r.dataDir],
    ["segmentation type", `${r.segType} (${SEGMENTATION_TYPES[r.segType]})`],
    ["α (blending)", String(r.alpha)],
    ["gray level", String(r.gray)],
    ["VGG3D weights", r.run.weights],
    ["synapses with features", String(r.run.table.rows.length)],
    ["features file", r.run.file],
    ["k (k-means)", String(a.k)],
  ];
  if (a.ari !== null) params.push([`adjusted Rand index, k = ${a.k} vs known types`, a.ari.toFixed(3)]);
  if (a.ariAtTypeCount) params.push([`adjusted Rand index, k = ${a.ariAtTypeCount.k} (number of types)`, a.ariAtTypeCount.ari.toFixed(3)]);
  const warning = r.run.pretrained
    ? ""
    : `<p id="random-weights" style="background:#fde2e2;border:2px solid #c00;padding:0.8em;font-weight:600">${escapeHtml(RANDOM_WEIGHTS_WARNING)}</p>`;
  const table = `<table>${params.map(([k, v]) => `<tr><th style="text-align:left">${escapeHtml(k)}</th><td style="text-align:left">${escapeHtml(v)}</td></tr>`).join("")}</table>`;
  const figures = FIGURE_ORDER.filter(([key]) => r.figures[key])
    .map(
      ([key, caption]) =>
        `<figure><figcaption><h3>${escapeHtml(caption)}</h3></figcaption>${figureHtml(r.figures[key]!, `fig-${key}`)}</figure>`,
    )
    .join("\n");
  const gifs = r.gifs
    .map(
      (g) =>
        `<figure style="display:inline-block;margin:0.5em;text-align:center"><img src="${escapeHtml(g.file)}" width="160" height="160" alt="${escapeHtml(g.id)}"><figcaption>cluster ${g.cluster}<br>${escapeHtml(g.id)}</figcaption></figure>`,
    )
    .join("");
  const errors = r.run.findings.filter((f) => f.level === "error");
  const warnings = r.run.findings.filter((f) => f.level === "warning");
  const list = (fs: typeof errors) =>
    `<ul>${fs
      .slice(0, 200)
      .map((f) => `<li>${escapeHtml(formatFinding(f))}</li>`)
      .join("")}${fs.length > 200 ? `<li>… ${fs.length - 200} more</li>` : ""}</ul>`;
  const body = `<h1>EM synapse clusters</h1>
${warning}
<h2>Run</h2>
${table}
${figures}
<h2>Sample synapses per cluster</h2>
<p>One row per cluster (0 at the top); centre slice of the network input, the kept structure tinted. The first column is the synapse nearest the cluster centre.</p>
<img id="samples" src="${escapeHtml(r.samplesImage)}" alt="sample synapses per cluster">
<h2>Representative synapses through z (10 fps)</h2>
<div>${gifs}</div>
<h2>Data problems (${errors.length} skipped, ${warnings.length} warnings)</h2>
${errors.length > 0 ? `<h3>Skipped</h3>${list(errors)}` : "<p>Nothing was skipped.</p>"}
${warnings.length > 0 ? `<details><summary>Warnings</summary>${list(warnings)}</details>` : ""}
`;
  return htmlPage(`EM synapse clusters, segmentation type ${r.segType}, α ${r.alpha}`, body);
}
