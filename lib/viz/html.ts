import { randomBytes } from "node:crypto";
import type { Figure } from "./figure";
import { plotlyScript } from "./plotly-bundle";
import { themed } from "./theme";

/** JSON that is safe inside a <script> element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A <script> that defines window.Plotly and draws figures queued before it loaded. */
export function plotlyLibraryTag(): string {
  return `<script type="text/javascript">${plotlyScript()}\n;(window.__workbenchPlotlyQueue||[]).forEach(function(f){f()});window.__workbenchPlotlyQueue=[];</script>`;
}

/**
 * A <div> and <script> that draw one figure. If plotly.js is not loaded yet
 * (the library tag comes later in the page) the drawing waits in a queue.
 */
export function figureHtml(figure: Figure, id = `wb-${randomBytes(6).toString("hex")}`): string {
  const f = themed(figure);
  const height = typeof f.layout.height === "number" ? `${f.layout.height}px` : "480px";
  return `<div id="${id}" class="workbench-figure" style="height:${height};max-width:100%"></div>
<script type="text/javascript">(function(){var draw=function(){window.Plotly.newPlot(${JSON.stringify(id)},${scriptJson(f.data)},${scriptJson(f.layout)},${scriptJson(f.config)});};if(window.Plotly){draw();}else{(window.__workbenchPlotlyQueue=window.__workbenchPlotlyQueue||[]).push(draw);}})();</script>`;
}

/** A complete HTML page that opens offline: plotly.js embedded once, then the body. */
export function htmlPage(title: string, body: string, options: { style?: string } = {}): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:Helvetica,Arial,sans-serif;margin:2em auto;max-width:1100px;color:#222}h1,h2,h3{font-weight:600}figure{margin:1em 0}img{max-width:100%}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:4px 8px;text-align:right}${options.style ?? ""}</style>
${plotlyLibraryTag()}
</head><body>
${body}
</body></html>
`;
}
