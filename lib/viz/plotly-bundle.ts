import * as fs from "node:fs";
import * as path from "node:path";
import { writeFileAtomic } from "../core";

let cached: string | null = null;

const plotlyDir = (): string => path.dirname(require.resolve("plotly.js-dist/package.json"));

/**
 * The plotly.js library as one script, for notebooks and reports that must
 * work offline. The 11 MB bundle of plotly.js-dist is minified once with
 * esbuild (to about 4.9 MB) and kept in node_modules/.cache.
 */
export function plotlyScript(): string {
  if (cached) return cached;
  const pkgDir = plotlyDir();
  const cacheFile = path.join(pkgDir, "..", ".cache", "workbench", `plotly-${plotlyVersion()}.min.js`);
  if (fs.existsSync(cacheFile)) {
    cached = fs.readFileSync(cacheFile, "utf8");
    return cached;
  }
  const source = fs.readFileSync(path.join(pkgDir, "plotly.js"), "utf8");
  const esbuild = require("esbuild") as typeof import("esbuild");
  cached = esbuild.transformSync(source, { minify: true, legalComments: "inline" }).code;
  writeFileAtomic(cacheFile, cached);
  return cached;
}

/** The plotly.js version bundled with the workbench. */
export function plotlyVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(plotlyDir(), "package.json"), "utf8")) as { version: string }).version;
}
