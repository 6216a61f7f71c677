export { readTorch, readTorchFile, stateDictOf, loadStateDict, writeTorch, writeTorchFile, isTorchTensor } from "./torch-file";
export type { StateDict, TorchValue } from "./torch-file";
export { TORCH_DTYPES, numel, toFloat32 } from "./tensor";
export type { TorchDType, TorchData, TorchTensor } from "./tensor";
export { unpickle } from "./unpickle";
export type { AllowedGlobal, UnpickleHooks } from "./unpickle";
export { pickle, PyTuple, PyGlobal, PyPersistent, PyReduce } from "./pickle";
export type { PickleValue, PickleExtension } from "./pickle";
export { loadStateDictInto, stateDictFrom, withoutWrapperPrefix } from "./state-dict-mapping";
export type { LoadStateDictOptions } from "./state-dict-mapping";
export {
  loadAutoencoderWeights,
  loadVgg3dWeights,
  autoencoderShapeOf,
  autoencoderFromCheckpoint,
  vgg3dFromCheckpoint,
  autoencoderStateDict,
  exportStateDict,
  exportRunCheckpoint,
} from "./checkpoints";
export type { RunExport } from "./checkpoints";
export { AUTOENCODER_MODELS, INFER_MODELS, loadInferenceNetwork, disposeInferenceNetwork, runInference } from "./infer";
export type { AutoencoderModel, AutoencoderNetwork, InferModel, InferenceNetwork, InferArray } from "./infer";
