import { parentPort, workerData } from "node:worker_threads";
import { buildOne } from "./build";
import type { DatasetInfo, DatasetRow } from "./manifest";

/** A cache-building worker: receives rows, voxelises them, reports each back. */
const { dir, info, sizes } = workerData as { dir: string; info: DatasetInfo; sizes: number[] };
parentPort!.on("message", (row: DatasetRow | null) => {
  if (row === null) {
    parentPort!.close();
    return;
  }
  try {
    const written = buildOne(dir, info, row, sizes);
    parentPort!.postMessage({ id: row.id, written });
  } catch (e) {
    parentPort!.postMessage({ id: row.id, error: (e as Error).message });
  }
});
