export { embeddingColumn, embeddingFiles, writeEmbeddingTable, readEmbeddingTable } from "./table";
export type { EmbeddingTable } from "./table";
export { latentEmbeddings } from "./latent";
export { parseShard, shardIds, shardStem, mergeEmbeddingShards, describeMerge } from "./shards";
export type { Shard, MergeResult } from "./shards";
export { embedDataset } from "./embed";
export type { EmbedOptions, EmbedResult } from "./embed";
