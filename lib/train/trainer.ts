import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { ConfigError, OnProgress, Random, WorkbenchError, writeFileAtomic } from "../core";
import { Autoencoder, createAutoencoder, disposeAutoencoder } from "../models";
import { AdamW, trainableVariables } from "./adamw";
import { CheckpointName, loadCheckpoint, saveCheckpoint } from "./checkpoint";
import { sigmoidFocalLoss } from "./focal-loss";
import { chooseLatentCells, gatherLatentCells, gatherPatches, occupiedCells } from "./latent-cells";
import { batchScores } from "./metrics";
import { checkTrainOptions, TrainOptions } from "./presets";
import { oneCycleLr } from "./schedule";
import { loadBatch, VoxelSource } from "./source";

/** One line of the run's log.jsonl per optimiser step. */
export interface TrainRecord {
  kind: "train";
  /** Steps done, counting this one (1-based). */
  iteration: number;
  epoch: number;
  loss: number;
  /** F1 and IoU at threshold 0.5 of this batch (nLat: of a full decoding). */
  f1: number;
  iou: number;
  lr: number;
  /** Wall time of this step. */
  seconds: number;
}

/** One line of log.jsonl per validation. */
export interface ValidationRecord {
  kind: "validation";
  /** Steps done when it ran (0 = before training). */
  iteration: number;
  loss: number;
  f1: number;
  iou: number;
  neurons: number;
  seconds: number;
  /** Checkpoints this validation improved ("best-f1", "best-iou"). */
  saved: CheckpointName[];
}

export type LogRecord = TrainRecord | ValidationRecord;

/** What a training checkpoint's state.json holds besides weights and moments. */
export interface TrainState {
  format: "workbench-training-state";
  version: 1;
  options: TrainOptions;
  iteration: number;
  elapsedSeconds: number;
  best: { f1: { value: number; iteration: number } | null; iou: { value: number; iteration: number } | null };
  validations: ValidationRecord[];
}

/** Whether a checkpoint's state is a training state (weights-only and other checkpoints hold none, or their own). */
function isTrainState(state: unknown): state is TrainState {
  return typeof state === "object" && state !== null && "format" in state && state.format === "workbench-training-state";
}

export interface TrainSummary {
  runDir: string;
  iteration: number;
  total: number;
  /** True when onProgress asked to stop before the end. */
  stopped: boolean;
  best: TrainState["best"];
  validations: ValidationRecord[];
}

/** A seeded generator for one stream and index, so each epoch and step has its own. */
function derivedRandom(seed: number, stream: number, index: number): Random {
  return new Random(((seed >>> 0) ^ Math.imul(stream, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0);
}
const ORDER_STREAM = 1;
const CELL_STREAM = 2;

/**
 * Trains a VoxelMorph autoencoder (Dense or nLat) into a run directory:
 * `config.json`, `log.jsonl` (one line per step and per validation) and
 * `checkpoints/{best-f1,best-iou,last}`. Every random choice is a function of
 * (seed, epoch) or (seed, step), so a run resumed from its last checkpoint
 * computes exactly what the uninterrupted run would have.
 *
 * Three ways to use it: `train(...)` runs to the end; `Trainer.create/resume`
 * then `run(onProgress)`; or `step()` in a loop for full control.
 */
export class Trainer {
  private constructor(
    readonly source: VoxelSource,
    readonly runDir: string,
    readonly autoencoder: Autoencoder,
    readonly optimizer: AdamW,
    private state: TrainState,
    private readonly trainIds: string[],
    private readonly validationIds: string[],
  ) {
    this.variables = trainableVariables(autoencoder.model);
  }

  private readonly variables: tf.Variable[];

  get options(): TrainOptions {
    return this.state.options;
  }
  /** Steps done so far. */
  get iteration(): number {
    return this.state.iteration;
  }
  get total(): number {
    return this.state.options.iterations;
  }
  get done(): boolean {
    return this.state.iteration >= this.total;
  }
  get batchesPerEpoch(): number {
    return Math.ceil(this.trainIds.length / this.options.batchSize);
  }
  get best(): TrainState["best"] {
    return this.state.best;
  }
  get validations(): ValidationRecord[] {
    return this.state.validations;
  }

  private static splits(source: VoxelSource, options: TrainOptions): [string[], string[]] {
    const train = source.ids(options.trainSplit);
    const val = source.ids(options.validationSplit);
    if (train.length === 0) throw new ConfigError(`training: the dataset has no neurons in split "${options.trainSplit}"`);
    if (val.length === 0) throw new ConfigError(`training: the dataset has no neurons in split "${options.validationSplit}"`);
    return [train, options.validationLimit > 0 ? val.slice(0, options.validationLimit) : val];
  }

  /** Starts a new run in `runDir` (which must not hold a checkpoint yet). */
  static create(source: VoxelSource, runDir: string, options: TrainOptions): Trainer {
    checkTrainOptions(options);
    if (fs.existsSync(path.join(runDir, "checkpoints", "last"))) {
      throw new ConfigError(`${runDir}: already holds a run; resume it (--resume / Trainer.resume) or choose another directory`);
    }
    const [train, val] = Trainer.splits(source, options);
    const autoencoder = createAutoencoder({ grid: options.grid, baseChannels: options.baseChannels, seed: options.seed });
    const optimizer = new AdamW(trainableVariables(autoencoder.model), options);
    fs.mkdirSync(runDir, { recursive: true });
    writeFileAtomic(path.join(runDir, "config.json"), JSON.stringify(options, null, 2));
    writeFileAtomic(path.join(runDir, "log.jsonl"), "");
    const state: TrainState = {
      format: "workbench-training-state",
      version: 1,
      options,
      iteration: 0,
      elapsedSeconds: 0,
      best: { f1: null, iou: null },
      validations: [],
    };
    return new Trainer(source, runDir, autoencoder, optimizer, state, train, val);
  }

  /**
   * Continues a run from its last checkpoint: same weights, batch-norm
   * statistics, optimiser moments, iteration, schedule and data order. Log
   * lines written after that checkpoint are dropped, since those steps run again.
   */
  static resume(source: VoxelSource, runDir: string): Trainer {
    const ckpt = loadCheckpoint(path.join(runDir, "checkpoints", "last"), "last");
    if (!isTrainState(ckpt.state) || !ckpt.optimizer) {
      throw new WorkbenchError(`${runDir}/checkpoints/last: holds weights only, no training state to resume from`);
    }
    const state = ckpt.state;
    const [train, val] = Trainer.splits(source, state.options);
    const optimizer = new AdamW(trainableVariables(ckpt.autoencoder.model), state.options);
    optimizer.setState(ckpt.optimizer);
    const logFile = path.join(runDir, "log.jsonl");
    const kept = fs.existsSync(logFile)
      ? fs
          .readFileSync(logFile, "utf8")
          .split("\n")
          .filter((line) => line.trim() !== "" && (JSON.parse(line) as LogRecord).iteration <= state.iteration)
      : [];
    writeFileAtomic(logFile, kept.map((l) => `${l}\n`).join(""));
    return new Trainer(source, runDir, ckpt.autoencoder, optimizer, state, train, val);
  }

  private log(record: LogRecord): void {
    fs.appendFileSync(path.join(this.runDir, "log.jsonl"), `${JSON.stringify(record)}\n`);
  }

  /** The ids of the batch for step `i` (0-based): epoch-wise seeded permutations. */
  batchIds(i: number): string[] {
    const n = this.batchesPerEpoch;
    const epoch = Math.floor(i / n);
    const pos = i % n;
    const order = derivedRandom(this.options.seed, ORDER_STREAM, epoch).permutation(this.trainIds.length);
    const b = this.options.batchSize;
    return order.slice(pos * b, pos * b + b).map((k) => this.trainIds[k]!);
  }

  /** Whether a validation is due after `done` steps: start, 1/3, 2/3 and end of each epoch, and the last step. */
  isValidationPoint(done: number): boolean {
    if (done === 0 || done === this.total) return true;
    const n = this.batchesPerEpoch;
    const inEpoch = ((done - 1) % n) + 1;
    return inEpoch === n || inEpoch === Math.floor(n / 3) || inEpoch === Math.floor((2 * n) / 3);
  }

  /** Focal loss, F1 and IoU (threshold 0.5) over the validation neurons, averaged over batches. */
  async validate(): Promise<{ loss: number; f1: number; iou: number; neurons: number }> {
    const bs = this.options.validationBatchSize;
    let loss = 0;
    let f1 = 0;
    let iou = 0;
    let batches = 0;
    for (let i = 0; i < this.validationIds.length; i += bs) {
      const x = await loadBatch(this.source, this.validationIds.slice(i, i + bs), this.options.grid);
      const logits = this.autoencoder.model.predict(x) as tf.Tensor;
      const l = sigmoidFocalLoss(logits, x, this.options);
      loss += l.dataSync()[0]!;
      const s = batchScores(logits, x);
      f1 += s.f1;
      iou += s.iou;
      batches += 1;
      tf.dispose([x, logits, l]);
    }
    return { loss: loss / batches, f1: f1 / batches, iou: iou / batches, neurons: this.validationIds.length };
  }

  private async validateAndKeepBest(): Promise<ValidationRecord> {
    const t0 = Date.now();
    const v = await this.validate();
    const saved: CheckpointName[] = [];
    const it = this.state.iteration;
    // nLat's early decodings of a few cells are noisy; its best counts only from the second half (docs/models.md, "Validation and checkpoints").
    const eligible = this.options.mode === "dense" || it >= this.total / 2;
    if (eligible) {
      const best = this.state.best;
      if (!best.f1 || v.f1 > best.f1.value) {
        best.f1 = { value: v.f1, iteration: it };
        saved.push("best-f1");
      }
      if (!best.iou || v.iou > best.iou.value) {
        best.iou = { value: v.iou, iteration: it };
        saved.push("best-iou");
      }
    }
    const record: ValidationRecord = { kind: "validation", iteration: it, ...v, seconds: (Date.now() - t0) / 1000, saved };
    this.state.validations.push(record);
    for (const name of saved) saveCheckpoint(path.join(this.runDir, "checkpoints", name), this.autoencoder, { state: this.state });
    this.log(record);
    return record;
  }

  /** Writes checkpoints/last with everything needed to resume. */
  saveLast(): void {
    saveCheckpoint(path.join(this.runDir, "checkpoints", "last"), this.autoencoder, {
      state: this.state,
      optimizer: this.optimizer.getState(),
    });
  }

  /**
   * One optimiser step (with the validation before the first one, and the
   * validations and checkpoints due after it).
   */
  async step(): Promise<TrainRecord> {
    if (this.done) throw new WorkbenchError(`training: all ${this.total} iterations are done`);
    if (this.state.iteration === 0 && this.state.validations.length === 0) await this.validateAndKeepBest();
    const t0 = Date.now();
    const i = this.state.iteration;
    const o = this.options;
    const lr = oneCycleLr(i, o.iterations, o.maxLr, o);
    const x = await loadBatch(this.source, this.batchIds(i), o.grid);
    const { loss, f1, iou } = o.mode === "dense" ? this.denseStep(x, lr) : this.nlatStep(x, lr, i);
    x.dispose();
    this.state.iteration = i + 1;
    const seconds = (Date.now() - t0) / 1000;
    this.state.elapsedSeconds += seconds;
    const record: TrainRecord = {
      kind: "train",
      iteration: i + 1,
      epoch: Math.floor(i / this.batchesPerEpoch),
      loss,
      f1,
      iou,
      lr,
      seconds,
    };
    this.log(record);
    if (this.isValidationPoint(i + 1)) await this.validateAndKeepBest();
    if ((i + 1) % o.checkpointEvery === 0 || i + 1 === this.total) this.saveLast();
    return record;
  }

  private denseStep(x: tf.Tensor5D, lr: number): { loss: number; f1: number; iou: number } {
    let logits: tf.Tensor | null = null;
    const { value, grads } = tf.variableGrads(() => {
      const out = this.autoencoder.model.apply(x, { training: true }) as tf.Tensor;
      logits = tf.keep(out);
      return sigmoidFocalLoss(out, x, this.options);
    }, this.variables);
    this.optimizer.step(grads, lr);
    const scores = batchScores(logits!, x);
    const loss = value.dataSync()[0]!;
    tf.dispose([value, logits!, ...Object.values(grads)]);
    return { loss, ...scores };
  }

  private nlatStep(x: tf.Tensor5D, lr: number, i: number): { loss: number; f1: number; iou: number } {
    const { patchSize } = this.autoencoder;
    const cells = chooseLatentCells(
      occupiedCells(x, patchSize),
      this.options.latentCells,
      derivedRandom(this.options.seed, CELL_STREAM, i),
    );
    const target = gatherPatches(x, cells, patchSize);
    let latent: tf.Tensor5D | null = null;
    const { value, grads } = tf.variableGrads(() => {
      const z = this.autoencoder.encoder.apply(x, { training: true }) as tf.Tensor5D;
      latent = tf.keep(z);
      const logits = this.autoencoder.decoder.apply(gatherLatentCells(z, cells), { training: true }) as tf.Tensor;
      return sigmoidFocalLoss(logits, target, this.options);
    }, this.variables);
    this.optimizer.step(grads, lr);
    // Metrics from a full decoding of this batch's latent, without gradients
    // and without touching the batch-norm running statistics.
    const full = this.autoencoder.decoder.apply(latent!, { training: false }) as tf.Tensor;
    const scores = batchScores(full, x);
    const loss = value.dataSync()[0]!;
    tf.dispose([value, latent!, full, target, ...Object.values(grads)]);
    return { loss, ...scores };
  }

  /**
   * Steps to the end. onProgress gets every step; returning false saves the
   * last checkpoint and stops (resume later with Trainer.resume).
   */
  async run(onProgress?: OnProgress): Promise<TrainSummary> {
    let stopped = false;
    while (!this.done) {
      const r = await this.step();
      // A step's awaits can all resolve at once (a source with its grids at
      // hand), so give the event loop a turn: signal handlers, through which
      // a stop request arrives, run only there.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const lastVal = this.state.validations[this.state.validations.length - 1];
      const answer = onProgress?.({
        done: r.iteration,
        total: this.total,
        label: `${this.options.mode} epoch ${r.epoch + 1}`,
        values: { loss: r.loss, f1: r.f1, lr: r.lr, ...(lastVal ? { val_f1: lastVal.f1 } : {}) },
      });
      if (answer === false && r.iteration < this.total) {
        this.saveLast();
        stopped = true;
        break;
      }
    }
    return { runDir: this.runDir, iteration: this.iteration, total: this.total, stopped, best: this.best, validations: this.validations };
  }

  /** Frees the model's and optimiser's tensors. */
  dispose(): void {
    this.optimizer.dispose();
    disposeAutoencoder(this.autoencoder);
  }
}

/** Trains a new run (or resumes it when `resume` is true) to the end or until onProgress returns false. */
export async function train(
  source: VoxelSource,
  runDir: string,
  options: TrainOptions,
  extra: { resume?: boolean; onProgress?: OnProgress } = {},
): Promise<TrainSummary> {
  const trainer = extra.resume ? Trainer.resume(source, runDir) : Trainer.create(source, runDir, options);
  try {
    return await trainer.run(extra.onProgress);
  } finally {
    trainer.dispose();
  }
}

/** The records of a run's log.jsonl. */
export function readTrainingLog(runDir: string): LogRecord[] {
  const file = path.join(runDir, "log.jsonl");
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l, i) => {
      try {
        return JSON.parse(l) as LogRecord;
      } catch (err) {
        throw new WorkbenchError(`${file}:${i + 1}: not a JSON record (${(err as Error).message})`, { cause: err });
      }
    });
}
