import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { ConfigError, WorkbenchError, writeFileSynced } from "../core";
import { Autoencoder, createAutoencoder } from "../models";
import type { AdamWState } from "./adamw";

/** The checkpoints a run keeps, named so a user sees which is which. */
export const CHECKPOINT_NAMES = ["best-f1", "best-iou", "last"] as const;
export type CheckpointName = (typeof CHECKPOINT_NAMES)[number];

const MODEL_FORMAT = "workbench-autoencoder";

/** What `model.json` of a checkpoint says about the network. */
export interface AutoencoderConfig {
  grid: number;
  baseChannels: number;
}

export interface Checkpoint<S> {
  autoencoder: Autoencoder;
  /** Training state (iteration, options, best scores…), absent for weights-only saves. */
  state: S | null;
  optimizer: AdamWState | null;
}

function weightBytes(tensors: tf.Tensor[]): Uint8Array {
  const total = tensors.reduce((n, t) => n + t.size, 0);
  const out = new Float32Array(total);
  let offset = 0;
  for (const t of tensors) {
    out.set(t.dataSync(), offset);
    offset += t.size;
  }
  return new Uint8Array(out.buffer);
}

/**
 * Writes a checkpoint directory: `model.json` (tfjs layers format: topology
 * and weights manifest, plus the autoencoder config), `weights.bin`, and for
 * training checkpoints `optimizer.bin` (AdamW moments) and `state.json`.
 * Everything goes to a temporary sibling first and is renamed into place, so
 * a crash leaves the previous checkpoint or the new one, never half of one.
 */
export function saveCheckpoint(dir: string, autoencoder: Autoencoder, extra: { state?: unknown; optimizer?: AdamWState } = {}): void {
  const parent = path.dirname(dir);
  fs.mkdirSync(parent, { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  fs.mkdirSync(tmp);
  const weights = autoencoder.model.weights;
  const manifest = {
    format: MODEL_FORMAT,
    config: { grid: autoencoder.grid, baseChannels: autoencoder.channels[0]! } satisfies AutoencoderConfig,
    modelTopology: autoencoder.model.toJSON(null, false),
    format_version: "1.0",
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    weightsManifest: [
      { paths: ["weights.bin"], weights: weights.map((w) => ({ name: w.originalName, shape: w.shape, dtype: "float32" })) },
    ],
  };
  writeFileSynced(path.join(tmp, "weights.bin"), weightBytes(weights.map((w) => w.read())));
  writeFileSynced(path.join(tmp, "model.json"), JSON.stringify(manifest));
  if (extra.optimizer) {
    const o = extra.optimizer;
    const parts: Float32Array[] = o.moments.flatMap(({ m, v }) => [m, v]);
    const total = parts.reduce((n, p) => n + p.length, 0);
    const buf = new Float32Array(total);
    let off = 0;
    for (const p of parts) {
      buf.set(p, off);
      off += p.length;
    }
    writeFileSynced(path.join(tmp, "optimizer.bin"), new Uint8Array(buf.buffer));
  }
  if (extra.state !== undefined || extra.optimizer) {
    const optimizer = extra.optimizer
      ? { step: extra.optimizer.step, names: extra.optimizer.names, sizes: extra.optimizer.moments.map((x) => x.m.length) }
      : null;
    writeFileSynced(path.join(tmp, "state.json"), JSON.stringify({ state: extra.state ?? null, optimizer }, null, 1));
  }
  const old = `${dir}.old-${process.pid}-${Date.now()}`;
  if (fs.existsSync(dir)) fs.renameSync(dir, old);
  fs.renameSync(tmp, dir);
  if (fs.existsSync(old)) fs.rmSync(old, { recursive: true, force: true });
}

/**
 * The directory to load: `dir` itself, or, when a crash hit the moment
 * between the two renames of saveCheckpoint, the previous version beside it.
 */
function existingCheckpointDir(dir: string): string {
  if (fs.existsSync(path.join(dir, "model.json"))) return dir;
  const parent = path.dirname(dir);
  const base = path.basename(dir);
  const olds = fs.existsSync(parent)
    ? fs
        .readdirSync(parent)
        .filter((f) => f.startsWith(`${base}.old-`))
        .sort()
    : [];
  if (olds.length > 0) return path.join(parent, olds[olds.length - 1]!);
  throw new WorkbenchError(`${dir}: no checkpoint here (expected model.json and weights.bin)`);
}

/**
 * A checkpoint directory, or a run directory (then its best-f1 checkpoint,
 * else last).
 */
function resolveCheckpoint(p: string, prefer: CheckpointName = "best-f1"): string {
  const runCheckpoints = path.join(p, "checkpoints");
  if (fs.existsSync(runCheckpoints)) {
    for (const name of [prefer, ...CHECKPOINT_NAMES]) {
      const dir = path.join(runCheckpoints, name);
      try {
        return existingCheckpointDir(dir);
      } catch {
        continue;
      }
    }
    throw new WorkbenchError(`${p}: a run directory without any checkpoint in checkpoints/ (${CHECKPOINT_NAMES.join(", ")})`);
  }
  return existingCheckpointDir(p);
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new WorkbenchError(`${file}: cannot read as JSON (${(err as Error).message})`, { cause: err });
  }
}

/**
 * Loads a checkpoint written by saveCheckpoint (a checkpoint directory or a
 * run directory) into a fresh autoencoder. Every weight must be present with
 * its shape; a missing, extra or mis-shaped tensor is an error naming it.
 */
export function loadCheckpoint<S = unknown>(p: string, prefer: CheckpointName = "best-f1"): Checkpoint<S> {
  const dir = resolveCheckpoint(p, prefer);
  const modelFile = path.join(dir, "model.json");
  const manifest = readJson(modelFile) as {
    format?: string;
    config?: AutoencoderConfig;
    weightsManifest?: Array<{ paths: string[]; weights: Array<{ name: string; shape: number[]; dtype: string }> }>;
  };
  if (manifest.format !== MODEL_FORMAT || !manifest.config || !manifest.weightsManifest) {
    throw new WorkbenchError(
      `${modelFile}: not a workbench autoencoder checkpoint (format ${JSON.stringify(manifest.format)}, expected "${MODEL_FORMAT}")`,
    );
  }
  const specs = manifest.weightsManifest.flatMap((g) => g.weights);
  const bytes = fs.readFileSync(path.join(dir, "weights.bin"));
  const expectedBytes = specs.reduce((n, s) => n + 4 * s.shape.reduce((a, b) => a * b, 1), 0);
  if (bytes.length !== expectedBytes) {
    throw new WorkbenchError(
      `${path.join(dir, "weights.bin")}: expected ${expectedBytes} bytes for the weights in model.json; found ${bytes.length}`,
    );
  }
  const autoencoder = createAutoencoder({ grid: manifest.config.grid, baseChannels: manifest.config.baseChannels });
  const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  const byName = new Map<string, Float32Array>();
  const shapes = new Map<string, number[]>();
  let off = 0;
  for (const s of specs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    byName.set(s.name, values.subarray(off, off + n));
    shapes.set(s.name, s.shape);
    off += n;
  }
  const expected = new Set(autoencoder.model.weights.map((w) => w.originalName));
  for (const name of byName.keys()) {
    if (!expected.has(name))
      throw new WorkbenchError(
        `${modelFile}: unexpected weight ${name} for an autoencoder of grid ${manifest.config.grid}, base ${manifest.config.baseChannels}`,
      );
  }
  for (const w of autoencoder.model.weights) {
    const data = byName.get(w.originalName);
    if (!data) throw new WorkbenchError(`${modelFile}: weight ${w.originalName} is missing`);
    const shape = shapes.get(w.originalName)!;
    if (shape.join(",") !== w.shape.join(",")) {
      throw new WorkbenchError(`${modelFile}: weight ${w.originalName} has shape [${shape.join(", ")}], expected [${w.shape.join(", ")}]`);
    }
    tf.tidy(() => {
      w.write(tf.tensor(data, shape));
    });
  }
  const stateFile = path.join(dir, "state.json");
  if (!fs.existsSync(stateFile)) return { autoencoder, state: null, optimizer: null };
  const saved = readJson(stateFile) as { state: S | null; optimizer: { step: number; names: string[]; sizes: number[] } | null };
  let optimizer: AdamWState | null = null;
  if (saved.optimizer) {
    const o = saved.optimizer;
    const optBytes = fs.readFileSync(path.join(dir, "optimizer.bin"));
    const total = 2 * o.sizes.reduce((a, b) => a + b, 0);
    if (optBytes.length !== 4 * total)
      throw new WorkbenchError(`${path.join(dir, "optimizer.bin")}: expected ${4 * total} bytes; found ${optBytes.length}`);
    const all = new Float32Array(optBytes.buffer.slice(optBytes.byteOffset, optBytes.byteOffset + optBytes.length));
    let at = 0;
    const moments = o.sizes.map((n) => {
      const m = all.slice(at, at + n);
      const v = all.slice(at + n, at + 2 * n);
      at += 2 * n;
      return { m, v };
    });
    optimizer = { step: o.step, names: o.names, moments };
  }
  return { autoencoder, state: saved.state, optimizer };
}

/** Reads only the config of a checkpoint (grid, base channels) without building the network. */
export function checkpointConfig(p: string): AutoencoderConfig {
  const file = path.join(resolveCheckpoint(p), "model.json");
  const m = readJson(file) as { config?: AutoencoderConfig };
  if (!m.config) throw new ConfigError(`${file}: no autoencoder config`);
  return m.config;
}
