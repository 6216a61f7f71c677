export type { Figure } from "./figure";
export { THEME, LAYER_COLORS, boxColor, categoryColor, themed } from "./theme";
export { grayImage, toRgba, encodePng, tileImages } from "./image";
export type { Image } from "./image";
export { encodeGif } from "./gif";
export type { GifOptions } from "./gif";
export { figureHtml, htmlPage, plotlyLibraryTag, escapeHtml, scriptJson } from "./html";
export { plotlyScript, plotlyVersion } from "./plotly-bundle";
export { findBrowser, dumpDom, screenshot, BROWSER_ENV } from "./browser";
export { exportFigure, exportFigures, EXPORT_FORMATS } from "./export";
export type { ExportJob, ExportFormat } from "./export";
export { showFigure, showPng, showGif, showHtml, showTable, htmlTable, progressDisplay, liveFigure } from "./display";
export { renderVolumes, volumeSlice } from "./volume-render";
export type { VolumeView } from "./volume-render";
export {
  thresholdCurvesFigure,
  predictionHistogramFigure,
  reconstructionFigure,
  occupiedVoxels,
  rotatingGif,
  sliceGif,
  trainingCurvesFigure,
} from "./reconstruction";
export type { ScoreCurves, TrainingCurves } from "./reconstruction";
export { synapseMap, elbowFigure, synapseSlice, clusterSampleGrid, synapseGif } from "./synapse";
export type { SynapseColoring, SynapseMapOptions, SynapseSliceSource } from "./synapse";
export { neuronCloudFigure, neuronSkeletonFigure, neuronVoxelFigure, neuronViewsFigure } from "./neuron3d";
export type { NeuronCloudFigureOptions, NeuronVoxelFigureOptions } from "./neuron3d";
export { categoricalMap, continuousMap } from "./maps";
export type { MapOptions, MapPoints } from "./maps";
