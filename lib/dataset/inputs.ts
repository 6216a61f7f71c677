import * as fs from "node:fs";
import * as path from "node:path";
import { WorkbenchError } from "../core";
import { safeId } from "./manifest";
import { SOURCE_EXTENSIONS } from "./source";

function isSourceFile(name: string): boolean {
  return (SOURCE_EXTENSIONS as readonly string[]).includes(path.extname(name).toLowerCase());
}

/**
 * Every neuron file among `inputs`: files as named, and the files with a
 * source extension (SOURCE_EXTENSIONS) anywhere under named folders. Names
 * starting with "." are passed over in folders (macOS "._x.swc" resource
 * forks, .git). Absolute paths in the order of the inputs, each folder's
 * entries by name, each file once.
 */
export function findSourceFiles(inputs: readonly string[]): string[] {
  const found = new Set<string>();
  const walked = new Set<string>();
  const walk = (dir: string): void => {
    // A link back to a folder above would otherwise walk forever.
    const real = fs.realpathSync(dir);
    if (walked.has(real)) return;
    walked.add(real);
    const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.name.startsWith(".")) continue;
      const p = path.join(dir, entry.name);
      // Through symbolic links too: a folder of links to the real files is a common layout.
      const stat = entry.isSymbolicLink() ? fs.statSync(p, { throwIfNoEntry: false }) : entry;
      if (!stat) continue;
      if (stat.isDirectory()) walk(p);
      else if (isSourceFile(entry.name)) found.add(path.resolve(p));
    }
  };
  for (const input of inputs) {
    const stat = fs.statSync(input, { throwIfNoEntry: false });
    if (!stat) throw new WorkbenchError(`${input}: no such file or directory`);
    if (stat.isDirectory()) walk(input);
    else if (isSourceFile(input)) found.add(path.resolve(input));
    else throw new WorkbenchError(`${input}: not a neuron file; expected one of ${SOURCE_EXTENSIONS.join(", ")} (or a folder of them)`);
  }
  if (found.size === 0) throw new WorkbenchError(`no neuron files (${SOURCE_EXTENSIONS.join(", ")}) in ${inputs.join(", ")}`);
  return [...found];
}

/**
 * A neuron's id from its file name: the name without its extension, and
 * without NeuroMorpho's ".CNG" (the mark of its standardised files, not part
 * of the neuron's name): "LLC7B-1.CNG.swc" → "LLC7B-1", as NeuroMorpho.org
 * lists it.
 */
export function sourceId(file: string): string {
  return path.basename(file, path.extname(file)).replace(/\.CNG$/i, "");
}

/**
 * The id of every file, in the same order. Two files with one id (or ids that
 * share a cache file name) are an error naming both: a dataset cannot tell
 * them apart.
 */
export function sourceIds(files: readonly string[]): string[] {
  const owner = new Map<string, string>();
  return files.map((file) => {
    const id = sourceId(file);
    const key = safeId(id);
    const other = owner.get(key);
    if (other !== undefined) {
      const same = sourceId(other) === id ? `the same id "${id}"` : `ids "${sourceId(other)}" and "${id}", which share a cache file name`;
      throw new WorkbenchError(`${other} and ${file} have ${same}; rename one or leave it out`);
    }
    owner.set(key, file);
    return id;
  });
}
