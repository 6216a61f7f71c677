export { ensureNeuronDataset, prepareAutoencoder, modelGrid, MODEL_VARIANTS } from "./neurons";
export type { NeuronDataOptions, ModelSetupOptions, ModelSetup, ModelVariant } from "./neurons";
export { trainingMonitor, trainingFigure, partialReconstruction, partialReconstructionFigure } from "./model-notebook";
export type { PartialReconstruction } from "./model-notebook";
export {
  evaluateAutoencoder,
  trainingCurves,
  searchThreshold,
  thresholdTable,
  reconstructNeuron,
  decodedLatentCells,
  neuronGifs,
  evaluationFigures,
  exportEvaluationFigures,
} from "./evaluate-autoencoder";
export type {
  EvaluationOptions,
  EvaluationSplits,
  ThresholdSearch,
  NeuronReconstruction,
  DecodedLatentCells,
  NeuronGifs,
  AutoencoderEvaluation,
} from "./evaluate-autoencoder";
export { exportNamedFigures } from "./figure-export";
export { embeddingMaps } from "./maps";
export type { EmbeddingMaps, EmbeddingMapsOptions } from "./maps";
export { StepRunner, relativeLink } from "./steps";
export { runDemo } from "./demo";
export type { DemoOptions, DemoResult, ModelResult, MapsResult, BaselinesResult, SynapseResult } from "./demo";
export { demoReportHtml } from "./demo-report";
export type { DemoReportInput } from "./demo-report";
export { ensureEmbeddingTable, withDatasetLabels } from "./embeddings";
export type { EmbeddingSource } from "./embeddings";
export { computeMap, labelAccuracy, labelKind, mapFigure, mapSettings, MAP_METHODS, MAP_METHOD_TITLES } from "./maps";
export type { MapMethod, MapSettings } from "./maps";
export { writeEmbeddingMaps, tableFingerprint, QUALITY_SAMPLE } from "./map-files";
export type { WriteMapsOptions, WriteMapsResult, WrittenMap, MapQualityRecord } from "./map-files";
export { embeddingBaselines } from "./baselines";
export type { BaselineOptions } from "./baselines";
