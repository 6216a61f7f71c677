export { voxelize, voxelIndex, countOccupied } from "./voxelize";
export type { VoxelGrid, VoxelizeOptions } from "./voxelize";
export { cropBlock, cropMargin, occupiedBounds } from "./crop";
export type { VoxelBlock } from "./crop";
export { packBits, unpackBits, type VoxelArray } from "./bits";
export { neuronGrid } from "./neuron-grid";
export type { NeuronGridOptions } from "./neuron-grid";
