import * as path from "node:path";
import { exportFigures, type Figure } from "../viz";

/**
 * Writes each named figure as `<dir>/<prefix><name>.png` and `.svg` (names
 * reduced to file-safe characters) in one headless-Chromium session; returns
 * the files written.
 */
export function exportNamedFigures(named: Record<string, Figure>, dir: string, prefix = ""): string[] {
  const stem = (name: string) => `${prefix}${name}`.replace(/[^A-Za-z0-9_.-]+/g, "");
  return exportFigures(
    Object.entries(named).flatMap(([name, figure]) =>
      ["png", "svg"].map((ext) => ({ figure, file: path.join(dir, `${stem(name)}.${ext}`) })),
    ),
  );
}
