export { morphology, somaGroups, somaCentre, morphologyBounds, SWC_TYPES } from "./morphology";
export type { Morphology, MorphologyArrays, MorphologyFinding, MorphologyFindingKind } from "./morphology";
export { pointCount, pointBounds, pointMean } from "./pointcloud";
export type { PointCloud } from "./pointcloud";
export { sampleSurface, surfaceArea } from "./sample-surface";
export type { SampleSurfaceOptions, SurfaceSample } from "./sample-surface";
