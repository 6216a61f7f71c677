import * as fs from "node:fs";
import * as path from "node:path";

let root: string | null = null;

/**
 * The workbench's own folder (where package.json is). Code runs both from
 * lib/ (tsx: CLIs, tests) and from the compiled dist/ (notebooks), so files
 * that ship beside the code (config tables, helper scripts) are found from
 * here rather than from __dirname.
 */
export function projectRoot(): string {
  if (root) return root;
  let dir = __dirname;
  for (;;) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest) && (JSON.parse(fs.readFileSync(manifest, "utf8")) as { name?: string }).name === "neuro-shape-workbench") {
      root = dir;
      return dir;
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`projectRoot: no package.json of neuro-shape-workbench above ${__dirname}`);
    dir = up;
  }
}
