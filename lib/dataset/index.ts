export { openDataset, createDataset, computeDatasetRange, buildCache, batches, epochOrder } from "./dataset";
export type { Dataset, CreateDatasetOptions, BuildCacheOptions, BuildCacheResult, BatchOptions, Batch } from "./dataset";
export { MANIFEST, INFO, DEFAULT_INFO, safeId, formatManifest, parseManifest, readInfo, writeInfo } from "./manifest";
export type { DatasetRow, DatasetInfo } from "./manifest";
export { loadPointCloud, SOURCE_EXTENSIONS } from "./source";
export type { SourceOptions } from "./source";
export { cachePath } from "./build";
export { encodeGrid, decodeGrid } from "./cache-file";
