export { listBoxes, loadBox, findTable } from "./box";
export type { SynapseBox, LoadBoxOptions } from "./box";
export { closestComponent } from "./components";
export { cropSynapse, resolveCropOptions, resizeSlices, SEGMENTATION_TYPES } from "./crop";
export type { CropOptions, SynapseCrop } from "./crop";
export { formatFinding } from "./findings";
export type { Finding } from "./findings";
export { readLabelTable, labelTableFor, labelsForBox } from "./labels";
export type { MaskLabels, LabelTable } from "./labels";
export { readSynapseTable, csvRows, TABLE_COLUMNS } from "./table";
export type { SynapseRecord } from "./table";
export { stackTiffSlices, niftiVolume, sortSliceFiles, intensityRange, volumeIndex, inside } from "./volume";
export type { Volume, VoxelArray } from "./volume";
export {
  extractFeatures,
  cropFeatures,
  randomFeatureNetwork,
  pretrainedFeatureNetwork,
  readFeatureCsv,
  featureFileName,
  RANDOM_WEIGHTS_WARNING,
} from "./features";
export type { FeatureNetwork, FeatureOptions, FeatureRow, FeatureTable, FeatureRun } from "./features";
export { analyseSynapseFeatures, synapseId } from "./analysis";
export type { SynapseAnalysis, SynapseAnalysisOptions } from "./analysis";
export { runSynapsePipeline, synapseGifName, SynapsePipelineStopped, SYNAPSE_PIPELINE_DEFAULTS } from "./pipeline";
export type { SynapsePipelineOptions, SynapsePipelineResult } from "./pipeline";
export { synapseReportHtml } from "./report";
export type { SynapseReportInput } from "./report";
