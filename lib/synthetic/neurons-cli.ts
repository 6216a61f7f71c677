import { ConfigError, cliProgress, parseFlags } from "../core";
import { synthNeurons } from "./neurons";
import { NEURON_CLASSES } from "./neuron-classes";
import type { NeuronClass } from "./neuron-classes";

const USAGE = `usage: npm run synth -- neurons --out <dir> [--count N] [--seed S] [--points P]
                                  [--classes a,b,...] [--grids 64,128] [--workers W]
  --count    neurons to generate (default 64), spread evenly over the classes
  --seed     seed for everything (default 1996)
  --points   surface points per neuron (default 100000)
  --classes  subset of: ${NEURON_CLASSES.join(", ")}
  --grids    also voxelise into the dataset's cache at these sizes (default none)
  --workers  threads for voxelising (default 1)`;

/** `synth neurons` on the command line; returns the exit code. */
export async function synthNeuronsCli(argv: string[]): Promise<number> {
  const args = parseFlags("synth neurons", argv, ["out", "count", "seed", "points", "classes", "grids", "workers"], USAGE);
  if (typeof args === "number") return args;
  const int = (k: string): number | undefined => {
    if (!args.has(k)) return undefined;
    const v = Number(args.get(k));
    if (!Number.isInteger(v) || v < 0) throw new ConfigError(`--${k}: expected a non-negative integer, found ${JSON.stringify(args.get(k))}`);
    return v;
  };
  const list = (k: string): string[] | undefined => args.get(k)?.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
  const grids = list("grids")?.map((g) => {
    const v = Number(g);
    if (!Number.isInteger(v) || v < 8) throw new ConfigError(`--grids: expected sizes such as 64,128; found ${JSON.stringify(g)}`);
    return v;
  });
  const started = Date.now();
  const res = await synthNeurons({
    out: args.get("out")!,
    count: int("count"),
    seed: int("seed"),
    points: int("points"),
    classes: list("classes") as NeuronClass[] | undefined,
    grids,
    workers: int("workers"),
    onProgress: cliProgress(),
  });
  const bySplit = new Map<string, number>();
  for (const r of res.rows) bySplit.set(r.split, (bySplit.get(r.split) ?? 0) + 1);
  console.log(
    `wrote ${res.rows.length} neurons to ${res.dir} (${[...bySplit].map(([s, n]) => `${s} ${n}`).join(", ")}) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  if (res.cache) {
    console.log(`cache: ${res.cache.built} voxelised, ${res.cache.skipped} already cached, ${res.cache.failed.length} failed`);
    for (const f of res.cache.failed) console.error(`  ${f.id}: ${f.message}`);
    if (res.cache.failed.length > 0) return 1;
  }
  return 0;
}
