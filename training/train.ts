/**
 * Trains a VoxelMorph autoencoder on a dataset directory.
 *
 *   npm run train -- --preset dense64 --data <dataset dir> --out <run dir>
 *   npm run train -- --resume --data <dataset dir> --out <run dir>
 *
 * Every hyperparameter of the preset can be overridden: --max-lr 1e-3,
 * --batch-size 8, --iterations 500, … (see --help).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { cliProgress, ConfigError, WorkbenchError } from "../lib/core";
import { openDataset } from "../lib/dataset";
import { initEngine } from "../lib/engine";
import { countParameters } from "../lib/models";
import { PRESET_NAMES, PRESETS, resolveTrainOptions, Trainer, TrainOptions } from "../lib/train";

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const OPTION_KEYS = Object.keys(PRESETS.tiny) as Array<keyof TrainOptions>;
const STRING_KEYS = new Set<keyof TrainOptions>(["mode", "trainSplit", "validationSplit"]);

function usage(): string {
  const rows = OPTION_KEYS.map((k) => `  --${kebab(k).padEnd(22)} ${PRESET_NAMES.map((p) => `${p}=${PRESETS[p][k]}`).join("  ")}`);
  return [
    "usage: npm run train -- --preset <name> --data <dataset dir> --out <run dir> [--option value ...]",
    "       npm run train -- --resume --data <dataset dir> --out <run dir>",
    "",
    `presets: ${PRESET_NAMES.join(", ")}`,
    "options (preset values):",
    ...rows,
  ].join("\n");
}

interface Args {
  preset: string;
  data?: string;
  out?: string;
  resume: boolean;
  overrides: Partial<TrainOptions>;
}

export function parseArgs(argv: string[]): Args | null {
  const args: Args = { preset: "tiny", resume: false, overrides: {} };
  const byFlag = new Map<string, keyof TrainOptions>();
  for (const k of OPTION_KEYS) {
    byFlag.set(kebab(k), k);
    byFlag.set(k, k);
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--help" || a === "-h") return null;
    if (!a.startsWith("--")) throw new ConfigError(`train: unexpected argument ${JSON.stringify(a)} (flags start with --; see --help)`);
    let [flag, value] = a.slice(2).split("=", 2) as [string, string | undefined];
    if (flag === "resume") {
      args.resume = true;
      continue;
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new ConfigError(`train: --${flag} needs a value`);
    }
    if (flag === "preset") args.preset = value;
    else if (flag === "data") args.data = value;
    else if (flag === "out") args.out = value;
    else {
      const key = byFlag.get(flag);
      if (!key) throw new ConfigError(`train: unknown option --${flag} (see --help)`);
      if (STRING_KEYS.has(key)) (args.overrides as Record<string, unknown>)[key] = value;
      else {
        const n = Number(value);
        if (!Number.isFinite(n)) throw new ConfigError(`train: --${flag} expects a number; found ${JSON.stringify(value)}`);
        (args.overrides as Record<string, unknown>)[key] = n;
      }
    }
  }
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (!args) {
    console.log(usage());
    return;
  }
  if (!args.data || !args.out) throw new ConfigError(`train: --data <dataset dir> and --out <run dir> are required\n${usage()}`);
  const engine = await initEngine();
  const dataset = openDataset(args.data);
  let trainer: Trainer;
  if (args.resume) {
    if (Object.keys(args.overrides).length > 0) {
      throw new ConfigError(`train: --resume continues with the run's own settings (${path.join(args.out, "config.json")}); drop ${Object.keys(args.overrides).map((k) => `--${kebab(k)}`).join(", ")}`);
    }
    trainer = Trainer.resume(dataset, args.out);
    console.log(`Resuming ${args.out} at iteration ${trainer.iteration}/${trainer.total}`);
  } else {
    const options = resolveTrainOptions(args.preset, args.overrides);
    trainer = Trainer.create(dataset, args.out, options);
  }
  const o = trainer.options;
  console.log(
    `${o.mode} grid ${o.grid}, base ${o.baseChannels} (${countParameters(trainer.autoencoder.model).toLocaleString("en")} parameters), ` +
      `batch ${o.batchSize}, ${o.iterations} iterations (${trainer.batchesPerEpoch} per epoch), max lr ${o.maxLr}, α ${o.alpha}, γ ${o.gamma}; ${engine.message}`,
  );
  let stopRequested = false;
  process.once("SIGINT", () => {
    stopRequested = true;
    console.error("\nStopping after this step (checkpoint saved; continue with --resume). Ctrl-C again to abort.");
  });
  const bar = cliProgress();
  const summary = await trainer.run((e) => {
    bar(e);
    return !stopRequested;
  });
  trainer.dispose();
  const last = summary.validations[summary.validations.length - 1];
  console.log(`${summary.stopped ? "Stopped" : "Finished"} at iteration ${summary.iteration}/${summary.total}.`);
  if (last) console.log(`Last validation (iteration ${last.iteration}): F1 ${last.f1.toFixed(4)}, IoU ${last.iou.toFixed(4)}, loss ${last.loss.toFixed(5)} on ${last.neurons} neurons`);
  const b = summary.best;
  if (b.f1) console.log(`Best validation F1 ${b.f1.value.toFixed(4)} at iteration ${b.f1.iteration} → ${path.join(args.out, "checkpoints", "best-f1")}`);
  if (b.iou) console.log(`Best validation IoU ${b.iou.value.toFixed(4)} at iteration ${b.iou.iteration} → ${path.join(args.out, "checkpoints", "best-iou")}`);
  console.log(`Log: ${path.join(args.out, "log.jsonl")}; checkpoints: ${fs.readdirSync(path.join(args.out, "checkpoints")).join(", ")}`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    if (err instanceof WorkbenchError) {
      console.error(`train: ${err.message}`);
      process.exit(2);
    }
    throw err;
  });
}
