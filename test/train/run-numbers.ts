import { loadCheckpoint, readTrainingLog } from "../../lib/train";

/** A run's log without wall times, which differ between runs: what "the same numbers" compares. */
export function runNumbers(runDir: string): unknown[] {
  return readTrainingLog(runDir).map(({ seconds: _s, ...rest }) => rest);
}

/** The weights of a checkpoint directory, tensor by tensor. */
export function checkpointWeights(dir: string): Float32Array[] {
  const c = loadCheckpoint(dir, "last");
  const w = c.autoencoder.model.getWeights().map((t) => t.dataSync() as Float32Array);
  c.autoencoder.model.dispose();
  return w;
}
