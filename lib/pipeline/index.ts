export { ensureNeuronDataset, prepareAutoencoder, MODEL_VARIANTS } from "./neurons";
export type { NeuronDataOptions, ModelSetupOptions, ModelSetup, ModelVariant } from "./neurons";
export { modelGrid, trainingMonitor, trainingFigure, partialReconstruction, partialReconstructionFigure } from "./model-notebook";
export type { PartialReconstruction } from "./model-notebook";
