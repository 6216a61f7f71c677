import * as fs from "node:fs";
import * as path from "node:path";
import { writeFileAtomic } from "../core";
import { formatCsv, type Cell } from "../io";
import { escapeHtml, showHtml } from "../viz";
import type { Evaluation, EvaluationRow } from "./evaluate";
import type { Score } from "./scores";

const NUMBER = (v: number | undefined): Cell => (v === undefined || Number.isNaN(v) ? null : Number(v.toFixed(6)));

/** What the ± of a row is over. */
function spreadText(ev: Evaluation, r: EvaluationRow): string {
  return r.spread === "seeds" ? `${r.perSeed!.length} seeds` : r.spread === "none" ? "" : `${ev.settings.folds} folds`;
}

/** The table as flat records (one per feature set and label), the CSV's rows. */
export function evaluationRecords(ev: Evaluation): Array<Record<string, Cell>> {
  return ev.rows.map((r) => ({
    features: r.features,
    kind: r.kind,
    dim: r.dim,
    label: r.label,
    label_kind: r.labelKind,
    n: r.n,
    classes: r.classes,
    knn_accuracy: NUMBER(r.knn?.mean),
    knn_sd: NUMBER(r.knn?.sd),
    probe_accuracy: NUMBER(r.probe?.mean),
    probe_sd: NUMBER(r.probe?.sd),
    knn_r2: NUMBER(r.r2?.mean),
    knn_r2_sd: NUMBER(r.r2?.sd),
    sd_over: spreadText(ev, r),
  }));
}

const CSV_COLUMNS = [
  "features",
  "kind",
  "dim",
  "label",
  "label_kind",
  "n",
  "classes",
  "knn_accuracy",
  "knn_sd",
  "probe_accuracy",
  "probe_sd",
  "knn_r2",
  "knn_r2_sd",
  "sd_over",
];

function pm(s: Score | undefined, exact = false): string {
  if (!s || Number.isNaN(s.mean)) return "";
  return exact ? s.mean.toFixed(3) : `${s.mean.toFixed(3)} ± ${s.sd.toFixed(3)}`;
}

function cells(ev: Evaluation, r: EvaluationRow): string[] {
  const exact = r.spread === "none";
  return [
    r.label,
    r.features,
    r.kind,
    r.dim === 0 ? "" : String(r.dim),
    String(r.n),
    pm(r.knn, exact),
    pm(r.probe, exact),
    pm(r.r2),
    spreadText(ev, r),
  ];
}

const HEADER = ["label", "features", "kind", "dim", "n", "k-NN accuracy", "linear probe", "k-NN R²", "± over"];

function caption(ev: Evaluation): string {
  const s = ev.settings;
  return `${ev.neurons} neurons of ${ev.dataset} (split ${ev.split}); ${s.folds}-fold cross-validation (seed ${s.seed}), k-NN k = ${s.k}, probe C = ${s.c}`;
}

/** The table as aligned text, with its settings and warnings: what the command prints. */
export function formatEvaluation(ev: Evaluation): string {
  const table = [HEADER, ...ev.rows.map((r) => cells(ev, r))];
  const widths = HEADER.map((_, j) => Math.max(...table.map((row) => row[j]!.length)));
  const line = (row: string[]) =>
    row
      .map((c, j) => (j >= 5 ? c.padStart(widths[j]!) : c.padEnd(widths[j]!)))
      .join("  ")
      .trimEnd();
  const out = [caption(ev), "", line(table[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...table.slice(1).map(line), ""];
  for (const f of ev.featureSets) out.push(`${f.name}: ${f.description}${f.standardize ? " (standardised for k-NN)" : ""}`);
  for (const w of ev.warnings) out.push(`warning: ${w}`);
  return out.join("\n") + "\n";
}

/** The table as HTML (the best k-NN and probe accuracy of each label in bold), for notebooks and reports. */
export function evaluationHtml(ev: Evaluation): string {
  const best = new Map<string, { knn: number; probe: number; r2: number }>();
  for (const r of ev.rows) {
    const b = best.get(r.label) ?? { knn: -Infinity, probe: -Infinity, r2: -Infinity };
    best.set(r.label, {
      knn: Math.max(b.knn, r.knn?.mean ?? -Infinity),
      probe: Math.max(b.probe, r.probe?.mean ?? -Infinity),
      r2: Math.max(b.r2, r.r2?.mean ?? -Infinity),
    });
  }
  const body = ev.rows
    .map((r) => {
      const c = cells(ev, r).map(escapeHtml);
      const b = best.get(r.label)!;
      const bold = (i: number, v: number | undefined, top: number) => (v !== undefined && v === top ? `<b>${c[i]}</b>` : c[i]);
      c[5] = bold(5, r.knn?.mean, b.knn)!;
      c[6] = bold(6, r.probe?.mean, b.probe)!;
      c[7] = bold(7, r.r2?.mean, b.r2)!;
      return `<tr${r.kind === "embedding" ? "" : ' style="color:#555"'}>${c.map((x, j) => `<td${j >= 3 ? ' style="text-align:right"' : ""}>${x}</td>`).join("")}</tr>`;
    })
    .join("");
  const notes = [
    ...ev.featureSets.map(
      (f) => `<li><b>${escapeHtml(f.name)}</b>: ${escapeHtml(f.description)}${f.standardize ? " (standardised for k-NN)" : ""}</li>`,
    ),
    ...ev.warnings.map((w) => `<li>warning: ${escapeHtml(w)}</li>`),
  ].join("");
  return `<table><caption style="caption-side:top;text-align:left">${escapeHtml(caption(ev))}</caption><thead><tr>${HEADER.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr></thead><tbody>${body}</tbody></table><ul>${notes}</ul>`;
}

/** Shows the table in a notebook (HTML), or prints it as text outside one. */
export function showEvaluation(ev: Evaluation): void {
  showHtml(evaluationHtml(ev), formatEvaluation(ev));
}

/** Writes `<dir>/evaluation.csv` (the table) and `<dir>/evaluation.json` (everything, with fold and seed values), atomically. */
export function writeEvaluation(ev: Evaluation, dir: string): { csv: string; json: string } {
  fs.mkdirSync(dir, { recursive: true });
  const csv = path.join(dir, "evaluation.csv");
  const json = path.join(dir, "evaluation.json");
  writeFileAtomic(csv, formatCsv(CSV_COLUMNS, evaluationRecords(ev)));
  writeFileAtomic(json, JSON.stringify(ev, null, 1) + "\n");
  return { csv, json };
}
