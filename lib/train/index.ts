export { sigmoidFocalLoss } from "./focal-loss";
export type { FocalLossOptions } from "./focal-loss";
export { THRESHOLDS, batchScores, confusionAtThresholds, overlapScores, scoresFromConfusion } from "./metrics";
export type { Confusion, OverlapScores } from "./metrics";
export { AdamW, trainableVariables } from "./adamw";
export type { AdamWOptions, AdamWState } from "./adamw";
export { oneCycleLr } from "./schedule";
export type { OneCycleOptions } from "./schedule";
export { LATENT_CELLS, occupiedCells, chooseLatentCells, gatherLatentCells, gatherPatches } from "./latent-cells";
export { CHECKPOINT_NAMES, saveCheckpoint, loadCheckpoint, checkpointConfig } from "./checkpoint";
export type { Checkpoint, CheckpointName, AutoencoderConfig } from "./checkpoint";
export {
  PRESETS,
  PRESET_NAMES,
  TRAIN_OPTION_DESCRIPTIONS,
  INTEGER_TRAIN_OPTIONS,
  TRAINING_MODES,
  resolveTrainOptions,
  checkTrainOptions,
} from "./presets";
export type { PresetName, TrainOptions, TrainingMode } from "./presets";
export { loadBatch, memorySource } from "./source";
export type { VoxelSource } from "./source";
export { Trainer, train, readTrainingLog } from "./trainer";
export type { TrainRecord, ValidationRecord, LogRecord, TrainState, TrainSummary } from "./trainer";
export { predictProbabilities, scoresByThreshold, bestThreshold, scoreCurves, probabilityHistogram } from "./inference";
export type { ThresholdScores, ScoreOptions } from "./inference";
