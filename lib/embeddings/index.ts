export { embeddingColumn, embeddingFiles, writeEmbeddingTable, readEmbeddingTable } from "./table";
export type { EmbeddingTable } from "./table";
export { latentEmbeddings } from "./latent";
export { POOLINGS, DEFAULT_POOLING, pooledSize, poolLatent } from "./pooling";
export type { Pooling } from "./pooling";
export { parseShard, slurmShard, SLURM_SHARD, shardIds, shardStem, mergeEmbeddingShards, describeMerge } from "./shards";
export type { Shard, MergeResult } from "./shards";
export { completeEmbeddingTable, embedDataset, EMBED_DEFAULTS } from "./embed";
export type { EmbedOptions, EmbedResult } from "./embed";
