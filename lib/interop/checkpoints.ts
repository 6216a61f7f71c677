import { WorkbenchError } from "../core";
import { createAutoencoder, createVgg3d, type Autoencoder, type Vgg3d } from "../models";
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
  return { grid: 8 * 2 ** numBlocks, baseChannels: stem.shape[0] };
}

/** Loads a .pth file into a new autoencoder whose grid and width come from the file. */
export function autoencoderFromCheckpoint(file: string, expectedGrid?: number): Autoencoder {
  const stateDict = loadStateDict(file);
  const { grid, baseChannels } = autoencoderShapeOf(stateDict, file);
  if (expectedGrid !== undefined && grid !== expectedGrid) {
    throw new WorkbenchError(`${file}: expected an autoencoder for grid ${expectedGrid}; the checkpoint has ${Math.log2(grid / 8)} encoder blocks, i.e. grid ${grid}`);
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
export function vgg3dStateDict(net: Vgg3d): StateDict {
  return stateDictFrom(net.classifier ? [net.features, net.classifier] : [net.features]);
}

/** Writes a model's state dict as a .pth file (atomically) for torch.load. */
export function exportStateDict(file: string, net: Autoencoder | Vgg3d): void {
  writeTorchFile(file, "model" in net ? autoencoderStateDict(net) : vgg3dStateDict(net));
}
