import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { checkChoice, WorkbenchError, writeFileAtomic } from "../core";
import { dumpDom } from "./browser";
import type { Figure } from "./figure";
import { plotlyLibraryTag, scriptJson } from "./html";
import { THEME, themed } from "./theme";

export const EXPORT_FORMATS = ["png", "svg"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportJob {
  figure: Figure;
  /** Output path; the extension (.png or .svg) chooses the format. */
  file: string;
  /** Pixel size of the figure (default: its layout size, else the theme's). */
  width?: number;
  height?: number;
  /** PNG resolution multiplier (default THEME.exportScale, about 300 dpi). */
  scale?: number;
}

function formatOf(file: string): ExportFormat {
  return checkChoice(`export file extension of ${file}`, path.extname(file).slice(1).toLowerCase(), EXPORT_FORMATS);
}

/**
 * Writes figures as PNG or SVG for the thesis, rendered by plotly.js itself in
 * a real headless Chromium (one browser start for all jobs). Files are
 * written atomically.
 */
export function exportFigures(jobs: ExportJob[]): string[] {
  if (jobs.length === 0) return [];
  const specs = jobs.map((j) => {
    const f = themed(j.figure);
    const format = formatOf(j.file);
    return {
      data: f.data,
      layout: f.layout,
      format,
      width: j.width ?? (f.layout.width as number | undefined) ?? THEME.width,
      height: j.height ?? (f.layout.height as number | undefined) ?? THEME.height,
      scale: format === "png" ? (j.scale ?? THEME.exportScale) : 1,
    };
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "workbench-export-"));
  try {
    const page = path.join(dir, "export.html");
    fs.writeFileSync(
      page,
      `<!doctype html><html><head><meta charset="utf-8">${plotlyLibraryTag()}</head><body><div id="results"></div>
<script>
(async function(){
  var specs=${scriptJson(specs)};
  var out=document.getElementById("results");
  for (var i=0;i<specs.length;i++){
    var s=specs[i], pre=document.createElement("pre"); pre.id="r"+i;
    try { pre.textContent="OK "+await Plotly.toImage({data:s.data,layout:s.layout},{format:s.format,width:s.width,height:s.height,scale:s.scale}); }
    catch(e){ pre.textContent="ERR "+(e&&e.message||e); }
    out.appendChild(pre);
  }
  var done=document.createElement("pre"); done.id="done"; done.textContent="DONE"; out.appendChild(done);
})();
</script></body></html>`,
    );
    const dom = dumpDom(page, { budgetMs: 120000 });
    if (!dom.includes('<pre id="done">DONE</pre>')) {
      throw new WorkbenchError(`figure export: the browser finished before plotly.js rendered all ${jobs.length} figure(s)`);
    }
    return jobs.map((job, i) => {
      const m = new RegExp(`<pre id="r${i}">(OK|ERR) ([^<]*)</pre>`).exec(dom);
      if (!m) throw new WorkbenchError(`figure export: no result for ${job.file}`);
      if (m[1] === "ERR") throw new WorkbenchError(`figure export of ${job.file}: plotly.js failed: ${m[2]}`);
      const url = m[2]!
        .replace(/&amp;/g, "&")
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">")
        .replace(/&quot;/g, '"');
      const bytes =
        specs[i]!.format === "png"
          ? Buffer.from(url.slice(url.indexOf(",") + 1), "base64")
          : Buffer.from(decodeURIComponent(url.slice(url.indexOf(",") + 1)), "utf8");
      writeFileAtomic(job.file, bytes);
      return job.file;
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes one figure as PNG or SVG (see exportFigures). */
export function exportFigure(figure: Figure, file: string, options: Omit<ExportJob, "figure" | "file"> = {}): string {
  return exportFigures([{ figure, file, ...options }])[0]!;
}
