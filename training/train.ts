/**
 * `train`: trains a VoxelMorph autoencoder on a dataset directory, or resumes
 * a run. Every hyperparameter of the preset can be overridden (--max-lr 1e-3,
 * --batch-size 8, …). Ctrl-C, SIGTERM or SIGUSR1 write a checkpoint and stop;
 * the same command again (or `--resume`) continues exactly.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { cliProgress, ConfigError, definedFields } from "../lib/core";
import { command, EXIT, flagName, listenForStop, main } from "../lib/cli";
import type { OptionSpec } from "../lib/cli";
import { openDataset } from "../lib/dataset";
import { initEngine } from "../lib/engine";
import { countParameters } from "../lib/models";
import {
  INTEGER_TRAIN_OPTIONS,
  PRESET_NAMES,
  PRESETS,
  resolveTrainOptions,
  TRAIN_OPTION_DESCRIPTIONS,
  Trainer,
  TRAINING_MODES,
} from "../lib/train";
import type { TrainOptions } from "../lib/train";

/** `[dense64, nlat64 64; dense128, nlat128 128; tiny 32]`: what each preset sets, grouped by value. */
function presetValues(key: keyof TrainOptions): string {
  const byValue = new Map<string, string[]>();
  for (const p of PRESET_NAMES) {
    const v = String(PRESETS[p][key]);
    byValue.set(v, [...(byValue.get(v) ?? []), p]);
  }
  if (byValue.size === 1) return `[every preset ${[...byValue.keys()][0]}]`;
  return `[${[...byValue].map(([v, presets]) => `${presets.join(", ")} ${v}`).join("; ")}]`;
}

/** One flag per hyperparameter, each help line with the presets' values. */
function hyperparameterOptions(): Record<keyof TrainOptions, OptionSpec> {
  const keys = Object.keys(TRAIN_OPTION_DESCRIPTIONS) as Array<keyof TrainOptions>;
  const entries = keys.map((k): [keyof TrainOptions, OptionSpec] => {
    const description = `${TRAIN_OPTION_DESCRIPTIONS[k]} ${presetValues(k)}`;
    if (k === "mode") return [k, { type: "string", description, choices: TRAINING_MODES }];
    if (typeof PRESETS.tiny[k] === "string") return [k, { type: "string", description }];
    return [k, { type: INTEGER_TRAIN_OPTIONS.includes(k) ? "integer" : "number", description }];
  });
  return Object.fromEntries(entries) as Record<keyof TrainOptions, OptionSpec>;
}

export const trainCommand = command({
  name: "train",
  summary: "train a Dense or nLat autoencoder on a dataset directory (or resume a run)",
  description:
    "Writes <out>/config.json, log.jsonl and checkpoints/{last,best-f1,best-iou}. A stop request (Ctrl-C, SIGTERM, SIGUSR1) writes the\n" +
    "'last' checkpoint and exits with code 3; the same command again, or --resume with the run's own settings, continues to the\n" +
    "same numbers as an uninterrupted run.",
  options: {
    preset: { type: "string", description: "starting hyperparameters", choices: PRESET_NAMES, default: "tiny" },
    data: { type: "string", placeholder: "dataset dir", description: "dataset directory (npm run dataset -- create …)", required: true },
    out: { type: "string", placeholder: "run dir", description: "run directory to write", required: true },
    resume: { type: "boolean", description: "continue the run in --out with its own settings" },
    ...hyperparameterOptions(),
  },
  examples: [
    "npm run train -- --preset tiny --data results/data/neurons --out results/runs/tiny",
    "npm run train -- --preset dense64 --data my-dataset --out runs/dense64 --batch-size 8 --iterations 2000",
    "npm run train -- --resume --data my-dataset --out runs/dense64",
  ],
  async run({ values, name }) {
    const { preset, data, out, resume, ...rest } = values;
    const overrides = definedFields(rest) as Partial<TrainOptions>;
    const engine = await initEngine({ quiet: true });
    const dataset = openDataset(data);
    let trainer: Trainer;
    if (resume) {
      const given = Object.keys(overrides);
      if (given.length > 0) {
        throw new ConfigError(
          `--resume continues with the run's own settings (${path.join(out, "config.json")}); drop ${given.map((k) => `--${flagName(k)}`).join(", ")}`,
        );
      }
      trainer = Trainer.resume(dataset, out);
      console.error(`Resuming ${out} at iteration ${trainer.iteration}/${trainer.total}`);
    } else if (fs.existsSync(path.join(out, "checkpoints", "last"))) {
      // The same command again (a requeued job, a second Ctrl-C'd attempt) continues its run.
      const wanted = resolveTrainOptions(preset, overrides);
      trainer = Trainer.resume(dataset, out);
      const differ = (Object.keys(wanted) as Array<keyof TrainOptions>).filter((k) => wanted[k] !== trainer.options[k]);
      if (differ.length > 0) {
        trainer.dispose();
        const what = differ.map((k) => `--${flagName(k)} ${trainer.options[k]} there, ${wanted[k]} here`).join("; ");
        throw new ConfigError(`${out} holds a run with other settings (${what}); continue it with --resume, or choose another --out`);
      }
      console.error(`Continuing ${out} at iteration ${trainer.iteration}/${trainer.total}`);
    } else {
      trainer = Trainer.create(dataset, out, resolveTrainOptions(preset, overrides));
    }
    const o = trainer.options;
    console.error(
      `${o.mode} grid ${o.grid}, base ${o.baseChannels} (${countParameters(trainer.autoencoder.model).toLocaleString("en")} parameters), ` +
        `batch ${o.batchSize}, ${o.iterations} iterations (${trainer.batchesPerEpoch} per epoch), max lr ${o.maxLr}, α ${o.alpha}, γ ${o.gamma}; ${engine.message}`,
    );
    const stop = listenForStop(name, "after this step (the checkpoint is written)");
    const bar = cliProgress();
    let summary: Awaited<ReturnType<Trainer["run"]>>;
    try {
      summary = await trainer.run((e) => {
        bar(e);
        return !stop.requested;
      });
    } finally {
      stop.release();
      trainer.dispose();
    }
    const last = summary.validations[summary.validations.length - 1];
    console.log(`${summary.stopped ? "Stopped" : "Finished"} at iteration ${summary.iteration}/${summary.total}.`);
    if (last)
      console.log(
        `Last validation (iteration ${last.iteration}): F1 ${last.f1.toFixed(4)}, IoU ${last.iou.toFixed(4)}, loss ${last.loss.toFixed(5)} on ${last.neurons} neurons`,
      );
    const b = summary.best;
    if (b.f1)
      console.log(
        `Best validation F1 ${b.f1.value.toFixed(4)} at iteration ${b.f1.iteration} → ${path.join(out, "checkpoints", "best-f1")}`,
      );
    if (b.iou)
      console.log(
        `Best validation IoU ${b.iou.value.toFixed(4)} at iteration ${b.iou.iteration} → ${path.join(out, "checkpoints", "best-iou")}`,
      );
    console.log(`Log: ${path.join(out, "log.jsonl")}; checkpoints: ${fs.readdirSync(path.join(out, "checkpoints")).join(", ")}`);
    return summary.stopped ? EXIT.stopped : EXIT.done;
  },
});

if (require.main === module) main(trainCommand);
