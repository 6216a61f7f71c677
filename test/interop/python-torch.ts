import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readTorchFile, toFloat32, writeTorchFile, type TorchTensor } from "../../lib/interop";
import { python } from "../helpers/python";

/**
 * The logits PyTorch computes for `volumes` ([N, g, g, g] occupancy, x-major)
 * with a state dict written by `npm run export`: the network is built and
 * loaded by the "load" lines of the export's own <file>.json record, run as
 * written in the export's folder, so the test checks what a user would run.
 */
export function referenceLogits(
  exportFile: string,
  volumes: Float32Array,
  n: number,
  grid: number,
): { shape: number[]; data: Float32Array } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "reference-logits-"));
  const input = path.join(dir, "input.pth");
  const output = path.join(dir, "logits.pth");
  // [N, 1, x, y, z] for PyTorch: the same bytes as the workbench's [N, x, y, z].
  writeTorchFile(input, new Map([["input", { dtype: "float32", shape: [n, 1, grid, grid, grid], data: volumes }]]));
  python([
    "-c",
    `import json, os, sys, torch
sys.path.insert(0, sys.argv[1])
os.chdir(os.path.dirname(sys.argv[2]))
record = json.load(open(sys.argv[2] + ".json"))
scope = {}
exec(record["load"], scope)
with torch.no_grad():
    torch.save({"logits": scope["model"](torch.load(sys.argv[3])["input"])}, sys.argv[4])`,
    path.resolve(__dirname, "../../reference"),
    path.resolve(exportFile),
    input,
    output,
  ]);
  const logits = (readTorchFile(output) as Map<string, TorchTensor>).get("logits")!;
  const result = { shape: logits.shape, data: toFloat32(logits) };
  fs.rmSync(dir, { recursive: true, force: true });
  return result;
}
