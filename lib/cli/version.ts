import * as fs from "node:fs";
import * as path from "node:path";
import { projectRoot } from "../core";

/** `neuro-shape-workbench 0.1.0`, from the package.json the code runs from. */
export function projectVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(projectRoot(), "package.json"), "utf8")) as { name: string; version: string };
  return `${pkg.name} ${pkg.version}`;
}
