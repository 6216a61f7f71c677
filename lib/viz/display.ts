import * as path from "node:path";
import { cliProgress, formatProgress, type OnProgress } from "../core";
import type { Figure } from "./figure";
import { escapeHtml, figureHtml, plotlyLibraryTag } from "./html";
import { encodePng, type Image } from "./image";
import { themed } from "./theme";

type MimeBundle = Record<string, unknown>;
type WriteDisplayData = (content: { data: MimeBundle; metadata: object; transient: object }, update: boolean) => void;

/**
 * The running tslab kernel's display channel, or null outside a kernel (CLI,
 * tests). Inside tslab, require("tslab") is hooked to the kernel's own copy;
 * its jupyter module holds the writer that accepts a whole MIME bundle, which
 * the public tslab.display API (one MIME type per output) cannot send.
 */
function kernelWriter(): WriteDisplayData | null {
  let tslab: unknown;
  try {
    tslab = require("tslab");
  } catch {
    return null;
  }
  const entry = Object.values(require.cache).find((m) => m?.exports === tslab);
  if (!entry) return null;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- tslab's own module, beside the copy the kernel loaded
    const jupyter = require(path.join(path.dirname(entry.filename), "jupyter.js")) as { lastWriteDisplayData: WriteDisplayData | null };
    return jupyter.lastWriteDisplayData;
  } catch {
    return null;
  }
}

/** True inside a running tslab kernel. */
function inNotebook(): boolean {
  return kernelWriter() !== null;
}

let idCounter = 0;
function newDisplayId(): string {
  return `workbench-${process.pid}-${Date.now().toString(36)}-${idCounter++}`;
}

/** Sends one output (a MIME bundle); with a `displayId`, later sends replace it in place. */
function displayBundle(bundle: MimeBundle, options: { displayId?: string; update?: boolean } = {}): boolean {
  const write = kernelWriter();
  if (!write) return false;
  write({ data: bundle, metadata: {}, transient: options.displayId ? { display_id: options.displayId } : {} }, options.update ?? false);
  return true;
}

let libraryShown = false;

/**
 * Shows an interactive Plotly figure. The output carries the figure as Plotly
 * JSON (JupyterLab draws it natively with the jupyterlab-plotly extension of
 * environment.yml, also when the saved notebook is reopened) and as HTML with
 * plotly.js embedded once per kernel session, so it draws offline without the
 * extension too. Outside a notebook it prints a one-line summary.
 */
export function showFigure(figure: Figure): void {
  const f = themed(figure);
  const title =
    typeof (f.layout.title as { text?: string } | undefined)?.text === "string" ? (f.layout.title as { text: string }).text : "figure";
  const html = (libraryShown ? "" : plotlyLibraryTag()) + figureHtml(f);
  const sent = displayBundle({
    "application/vnd.plotly.v1+json": { data: f.data, layout: f.layout, config: f.config },
    "text/html": html,
    "text/plain": `Plotly figure: ${title} (${f.data.length} trace${f.data.length === 1 ? "" : "s"})`,
  });
  if (sent) libraryShown = true;
  else console.log(`[figure] ${title} (${f.data.length} traces)`);
}

/** Shows an image (PNG bytes or an Image). */
export function showPng(png: Uint8Array | Image, caption?: string): void {
  const bytes = png instanceof Uint8Array ? png : encodePng(png);
  if (!displayBundle({ "image/png": Buffer.from(bytes).toString("base64"), "text/plain": caption ?? "PNG image" })) {
    console.log(`[png] ${caption ?? ""} ${bytes.length} bytes`);
  }
}

/**
 * Shows an animated GIF. Jupyter front ends do not all animate image/gif
 * outputs, so it is sent as an <img> data URI, which every browser animates.
 */
export function showGif(gif: Uint8Array, caption?: string): void {
  const b64 = Buffer.from(gif).toString("base64");
  const html = `<figure style="margin:0"><img src="data:image/gif;base64,${b64}"/>${caption ? `<figcaption>${escapeHtml(caption)}</figcaption>` : ""}</figure>`;
  if (!displayBundle({ "image/gif": b64, "text/html": html, "text/plain": caption ?? "GIF animation" })) {
    console.log(`[gif] ${caption ?? ""} ${gif.length} bytes`);
  }
}

/** Shows HTML (a table, a summary) with a plain-text fallback. */
export function showHtml(html: string, text = ""): void {
  if (!displayBundle({ "text/html": html, "text/plain": text })) console.log(text || html.replace(/<[^>]+>/g, " "));
}

function cellText(v: unknown, digits: number): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toFixed(digits);
  if (typeof v === "string") return v;
  if (typeof v === "boolean" || typeof v === "bigint") return String(v);
  return JSON.stringify(v);
}

/** A simple HTML table of rows (numbers formatted to `digits`). */
export function htmlTable(rows: Array<Record<string, unknown>>, digits = 4): string {
  if (rows.length === 0) return "<p>(no rows)</p>";
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown): string => escapeHtml(cellText(v, digits));
  return `<table><thead><tr>${cols.map((c) => `<th>${escapeHtml(c)}</th>`).join("")}</tr></thead><tbody>${rows
    .map((r) => `<tr>${cols.map((c) => `<td>${cell(r[c])}</td>`).join("")}</tr>`)
    .join("")}</tbody></table>`;
}

/** Shows rows as a table in a notebook, or prints them with console.table. */
export function showTable(rows: Array<Record<string, unknown>>, digits = 4): void {
  if (!displayBundle({ "text/html": htmlTable(rows, digits), "text/plain": JSON.stringify(rows) })) console.table(rows);
}

/**
 * A progress callback that redraws one notebook output in place (a bar with
 * rate, elapsed time, ETA and current values), at most `perSecond` times a
 * second. Outside a notebook it is the command-line progress bar.
 */
export function progressDisplay(options: { perSecond?: number } = {}): OnProgress {
  if (!inNotebook()) return cliProgress();
  const id = newDisplayId();
  const minGap = 1000 / (options.perSecond ?? 4);
  const start = Date.now();
  let last = -Infinity;
  let first = true;
  return (e) => {
    const now = Date.now();
    const finished = e.total > 0 && e.done >= e.total;
    if (now - last < minGap && !finished) return;
    last = now;
    const text = formatProgress(e, (now - start) / 1000);
    const pct = e.total > 0 ? Math.min(100, (100 * e.done) / e.total) : 0;
    const html = `<div style="font-family:monospace;font-size:12px"><div style="width:320px;height:10px;background:#eee;display:inline-block;vertical-align:middle"><div style="width:${pct.toFixed(1)}%;height:100%;background:#0072B2"></div></div> ${escapeHtml(text)}</div>`;
    displayBundle({ "text/html": html, "text/plain": text }, { displayId: id, update: !first });
    first = false;
  };
}

/**
 * A figure output that can be redrawn in place, e.g. a loss curve while
 * training runs. Call the returned function with each new version of the
 * figure; redraws are limited to `perSecond` (the last call always draws when
 * `final` is true). Outside a notebook it does nothing.
 */
export function liveFigure(options: { perSecond?: number } = {}): (figure: Figure, final?: boolean) => void {
  const id = newDisplayId();
  const minGap = 1000 / (options.perSecond ?? 0.5);
  let last = -Infinity;
  let first = true;
  let carriesLibrary = false;
  return (figure, final = false) => {
    if (!inNotebook()) return;
    const now = Date.now();
    if (now - last < minGap && !final) return;
    last = now;
    const f = themed(figure);
    // A redraw replaces the whole output, so if this output brought plotly.js
    // into the page it must keep bringing it, or a reopened notebook loses it.
    if (first) carriesLibrary = !libraryShown;
    const html = (carriesLibrary ? plotlyLibraryTag() : "") + figureHtml(f);
    displayBundle(
      {
        "application/vnd.plotly.v1+json": { data: f.data, layout: f.layout, config: f.config },
        "text/html": html,
        "text/plain": "live figure",
      },
      { displayId: id, update: !first },
    );
    libraryShown = true;
    first = false;
  };
}
