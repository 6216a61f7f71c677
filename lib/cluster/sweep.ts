import * as fs from "node:fs";
import * as path from "node:path";
import { checkChoice, ConfigError, ParseError, writeFileAtomic } from "../core";

/** One swept option: a flag name as typed (`max-lr`) and its values as typed (`1e-3`). */
export interface SweepAxis {
  key: string;
  values: string[];
}

/** One combination of a sweep: a value for each axis, in the axes' order, and the run's name. */
export interface SweepPoint {
  /** The run directory's name, from the values: `max-lr-1e-3_batch-size-8`. */
  name: string;
  values: Array<{ key: string; value: string }>;
}

/**
 * Parses the `--sweep` texts (`max-lr=1e-3,3e-3`), one axis each; `keys` are
 * the flags that may be swept. An axis named twice, an empty or a repeated
 * value is refused.
 */
export function parseSweep(texts: readonly string[], keys: readonly string[]): SweepAxis[] {
  const axes: SweepAxis[] = [];
  for (const text of texts) {
    const eq = text.indexOf("=");
    if (eq < 0)
      throw new ConfigError(`--sweep: expected <option>=<value>,<value>,… such as max-lr=1e-3,3e-3; found ${JSON.stringify(text)}`);
    const key = checkChoice("--sweep: option", text.slice(0, eq).trim().replace(/^--/, ""), keys);
    const values = text
      .slice(eq + 1)
      .split(",")
      .map((v) => v.trim());
    if (values.some((v) => v === ""))
      throw new ConfigError(`--sweep ${key}: expected values separated by commas; found ${JSON.stringify(text)}`);
    const repeated = values.find((v, i) => values.indexOf(v) !== i);
    if (repeated !== undefined) throw new ConfigError(`--sweep ${key}: the value ${repeated} is given twice`);
    if (axes.some((a) => a.key === key))
      throw new ConfigError(`--sweep ${key}: given twice; list all its values in one --sweep ${key}=a,b,c`);
    axes.push({ key, values });
  }
  return axes;
}

/** A value as it can appear in a directory name. */
function nameable(value: string): string {
  return value.replace(/[^\w.+-]/g, "_");
}

/**
 * Every combination of the axes, the first axis varying slowest (as nested
 * loops in the order the --sweep flags were given), each with its run name.
 */
export function expandSweep(axes: readonly SweepAxis[]): SweepPoint[] {
  let points: Array<SweepPoint["values"]> = [[]];
  for (const axis of axes) points = points.flatMap((p) => axis.values.map((value) => [...p, { key: axis.key, value }]));
  const named = points.map((values) => ({ name: values.map((v) => `${v.key}-${nameable(v.value)}`).join("_"), values }));
  const seen = new Map<string, SweepPoint>();
  for (const p of named) {
    const other = seen.get(p.name);
    if (other) {
      const show = (q: SweepPoint) => q.values.map((v) => `${v.key}=${v.value}`).join(" ");
      throw new ConfigError(`--sweep: ${show(other)} and ${show(p)} would share the run directory ${p.name}; write the values differently`);
    }
    seen.set(p.name, p);
  }
  return named;
}

/** The file in a sweep's directory that lists its axes and runs, for the summary. */
export const SWEEP_RECORD = "sweep.json";

export interface SweepRecord {
  format: "workbench-sweep";
  version: 1;
  axes: SweepAxis[];
  /** Each run: its directory (below the sweep's) and its values. */
  runs: Array<{ name: string; values: Record<string, string> }>;
}

/** Writes `<dir>/sweep.json` for these axes. */
export function writeSweepRecord(dir: string, axes: readonly SweepAxis[]): string {
  const record: SweepRecord = {
    format: "workbench-sweep",
    version: 1,
    axes: [...axes],
    runs: expandSweep(axes).map((p) => ({ name: p.name, values: Object.fromEntries(p.values.map((v) => [v.key, v.value])) })),
  };
  const file = path.join(dir, SWEEP_RECORD);
  writeFileAtomic(file, `${JSON.stringify(record, null, 2)}\n`);
  return file;
}

export function readSweepRecord(dir: string): SweepRecord {
  const file = path.join(dir, SWEEP_RECORD);
  if (!fs.existsSync(file))
    throw new ConfigError(`${dir}: not a sweep directory (no ${SWEEP_RECORD}; \`slurm train --sweep …\` writes one)`);
  let record: Partial<SweepRecord>;
  try {
    record = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<SweepRecord>;
  } catch (err) {
    throw new ParseError(file, {}, `not JSON (${(err as Error).message})`, { cause: err });
  }
  if (record.format !== "workbench-sweep" || !Array.isArray(record.runs) || !Array.isArray(record.axes)) {
    throw new ParseError(file, {}, 'expected {"format": "workbench-sweep", "axes": […], "runs": […]}');
  }
  return record as SweepRecord;
}
