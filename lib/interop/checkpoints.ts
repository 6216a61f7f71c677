import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError, WorkbenchError, writeFileAtomic } from "../core";
import { createAutoencoder, createVgg3d, disposeAutoencoder, LATENT_GRID, type Autoencoder, type Vgg3d } from "../models";
import { CHECKPOINT_NAMES, loadCheckpoint, type CheckpointName, type TrainState } from "../train";
import { loadStateDictInto, stateDictFrom, withoutWrapperPrefix } from "./state-dict-mapping";
import { loadStateDict, writeTorchFile, type StateDict } from "./torch-file";

/**
 * The thesis networks ↔ PyTorch checkpoints: load a state dict into our
 * autoencoder or VGG3D, build a model that fits a checkpoint, and export our
 * weights as a .pth that torch.load + load_state_dict accept.
 */

/** Copies an autoencoder state dict (original module names) into `ae`. */
export function loadAutoencoderWeights(ae: Autoencoder, stateDict: StateDict, source?: string): void {
  loadStateDictInto([ae.model], stateDict, { source });
}

/**
 * Copies a VGG3D state dict into `net`. A network built without the
 * classifier head skips the file's `classifier.*` tensors; one built with it
 * needs them.
 */
export function loadVgg3dWeights(net: Vgg3d, stateDict: StateDict, source?: string): void {
  const models = net.classifier ? [net.features, net.classifier] : [net.features];
  loadStateDictInto(models, stateDict, { source, ignorePrefixes: net.classifier ? [] : ["classifier."] });
}

/** The grid and base width an autoencoder state dict was trained with. */
export function autoencoderShapeOf(original: StateDict, source = "state dict"): { grid: number; baseChannels: number } {
  const stateDict = withoutWrapperPrefix(original);
  const stem = stateDict.get("incoming.block.double_conv.0.weight");
  if (!stem || stem.shape.length !== 5) {
    throw new WorkbenchError(`${source}: not an autoencoder state dict (no 5-D incoming.block.double_conv.0.weight)`);
  }
  let numBlocks = 0;
  while (stateDict.has(`encoders.${numBlocks}.maxpool_conv.1.block.double_conv.0.weight`)) numBlocks++;
  if (numBlocks === 0) throw new WorkbenchError(`${source}: no encoders.0.maxpool_conv.1.block.* tensors; not an autoencoder state dict`);
  return { grid: 8 * 2 ** numBlocks, baseChannels: stem.shape[0]! };
}

/** Loads a .pth file into a new autoencoder whose grid and width come from the file. */
export function autoencoderFromCheckpoint(file: string, expectedGrid?: number): Autoencoder {
  const stateDict = loadStateDict(file);
  const { grid, baseChannels } = autoencoderShapeOf(stateDict, file);
  if (expectedGrid !== undefined && grid !== expectedGrid) {
    throw new WorkbenchError(
      `${file}: expected an autoencoder for grid ${expectedGrid}; the checkpoint has ${Math.log2(grid / 8)} encoder blocks, i.e. grid ${grid}`,
    );
  }
  const ae = createAutoencoder({ grid, baseChannels });
  loadAutoencoderWeights(ae, stateDict, file);
  return ae;
}

/** Loads a .pth file into a new VGG3D (features only unless `classifier`). */
export function vgg3dFromCheckpoint(file: string, options: { classifier?: boolean } = {}): Vgg3d {
  const net = createVgg3d({ classifier: options.classifier ?? false });
  loadVgg3dWeights(net, loadStateDict(file), file);
  return net;
}

/** Our autoencoder's weights as a PyTorch state dict. */
export function autoencoderStateDict(ae: Autoencoder): StateDict {
  return stateDictFrom([ae.model]);
}

/** Our VGG3D's weights as a PyTorch state dict (with the classifier when built). */
function vgg3dStateDict(net: Vgg3d): StateDict {
  return stateDictFrom(net.classifier ? [net.features, net.classifier] : [net.features]);
}

/** Writes a model's state dict as a .pth file (atomically) for torch.load. */
export function exportStateDict(file: string, net: Autoencoder | Vgg3d): void {
  writeTorchFile(file, "model" in net ? autoencoderStateDict(net) : vgg3dStateDict(net));
}

/** What an exported run records beside its .pth (`<file>.json`): how to build the reference network that loads it. */
export interface RunExport {
  format: "workbench-pytorch-export";
  version: 1;
  /** reference/networks.py's class and the arguments it needs; the state dict alone does not say base_channels to the constructor. */
  network: { class: "Autoencoder"; module: "reference/networks.py"; kwargs: { grid: number; base_channels: number } };
  /** The Python lines that load the file. */
  load: string;
  input: string;
  latent: string;
  /** The validation at the checkpoint's iteration, when one ran there. */
  run: {
    dir: string;
    checkpoint: CheckpointName;
    iteration: number | null;
    mode: string | null;
    validation: { f1: number; iou: number; loss: number; neurons: number } | null;
  };
}

/**
 * Writes one checkpoint of a training run (`checkpoints/<which>`) as a
 * PyTorch state dict `file` that reference/networks.py's Autoencoder loads
 * strictly, and `<file>.json` with the constructor arguments it needs (the
 * tiny preset is grid 32, base_channels 8, not the thesis default 32) and
 * where the weights came from.
 */
export function exportRunCheckpoint(runDir: string, file: string, which: CheckpointName = "best-f1"): RunExport {
  const checkpoints = path.join(runDir, "checkpoints");
  if (!fs.existsSync(checkpoints)) {
    const hint = fs.existsSync(path.join(runDir, "model.json"))
      ? `; it is a checkpoint directory: give its run ${path.dirname(path.dirname(runDir))} and --which ${path.basename(runDir)}`
      : "";
    throw new ConfigError(`${runDir}: not a training run directory (no checkpoints/)${hint}`);
  }
  const present = CHECKPOINT_NAMES.filter((c) => fs.existsSync(path.join(checkpoints, c)));
  if (!present.includes(which)) {
    throw new WorkbenchError(
      `${runDir}: no ${which} checkpoint (the run has ${present.length ? present.join(", ") : "none yet"}${which !== "last" ? "; nLat keeps its best only from the second half of training" : ""})`,
    );
  }
  const { autoencoder, state } = loadCheckpoint<TrainState>(path.join(checkpoints, which));
  try {
    exportStateDict(file, autoencoder);
    const grid = autoencoder.grid;
    const base = autoencoder.channels[0]!;
    const v = state?.validations.find((r) => r.iteration === state.iteration);
    const record: RunExport = {
      format: "workbench-pytorch-export",
      version: 1,
      network: { class: "Autoencoder", module: "reference/networks.py", kwargs: { grid, base_channels: base } },
      load: `import torch\nfrom networks import Autoencoder\nmodel = Autoencoder(grid=${grid}, base_channels=${base})\nmodel.load_state_dict(torch.load(${JSON.stringify(path.basename(file))}))\nmodel.eval()`,
      input: `[N, 1, ${grid}, ${grid}, ${grid}] float32 occupancy (0/1), indexed [x, y, z] as the workbench's grids`,
      latent: `[N, ${autoencoder.channels.at(-1)}, ${LATENT_GRID}, ${LATENT_GRID}, ${LATENT_GRID}]`,
      run: {
        dir: path.resolve(runDir),
        checkpoint: which,
        iteration: state?.iteration ?? null,
        mode: state?.options.mode ?? null,
        validation: v ? { f1: v.f1, iou: v.iou, loss: v.loss, neurons: v.neurons } : null,
      },
    };
    writeFileAtomic(`${file}.json`, JSON.stringify(record, null, 2) + "\n");
    return record;
  } finally {
    disposeAutoencoder(autoencoder);
  }
}
