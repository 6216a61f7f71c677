/**
 * Runs a thesis model on a volume.
 *
 *   npm run infer -- --checkpoint <file.pth | run dir> --model dense64|nlat64|dense128|nlat128|vgg3d \
 *                    --input <volume.npy> --out <out.npy>
 *
 * Autoencoders: input [g, g, g] (or [N, g, g, g]) occupancy, uint8/bool/float,
 * indexed [x, y, z]; output float32 logits of the same shape.
 * VGG3D: input [80, 80, 80] (or [N, 80, 80, 80]); uint8/uint16 intensities are
 * scaled to [0, 1] by their type's range, floats are used as given; output
 * the 192 pooled features (or [N, 192]).
 */
import { checkChoice, ConfigError, WorkbenchError, writeFileAtomic } from "../lib/core";
import { initEngine } from "../lib/engine";
import { readNpyFile, writeNpy, type NpyArray } from "../lib/io";
import { disposeInferenceNetwork, INFER_MODELS, loadInferenceNetwork, runInference, type InferArray } from "../lib/interop";

const USAGE = `usage: npm run infer -- --checkpoint <file.pth | run dir> --model ${INFER_MODELS.join("|")} --input <volume.npy> --out <out.npy>`;

interface Args {
  checkpoint: string;
  model: string;
  input: string;
  out: string;
}

export function parseInferArgs(argv: string[]): Args | null {
  const values: Partial<Args> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--help" || a === "-h") return null;
    if (!a.startsWith("--")) throw new ConfigError(`infer: unexpected argument ${JSON.stringify(a)}\n${USAGE}`);
    let [flag, value] = a.slice(2).split("=", 2) as [string, string | undefined];
    const key = checkChoice("infer: option", flag, ["checkpoint", "model", "input", "out"] as const);
    if (value === undefined) value = argv[++i];
    if (value === undefined) throw new ConfigError(`infer: --${flag} needs a value`);
    values[key] = value;
  }
  const missing = (["checkpoint", "model", "input", "out"] as const).filter((k) => !values[k]);
  if (missing.length) throw new ConfigError(`infer: missing ${missing.map((k) => `--${k}`).join(", ")}\n${USAGE}`);
  return values as Args;
}

/** The .npy values as numbers, scaled to [0, 1] for VGG3D when they are unsigned integer intensities. */
function inputArray(npy: NpyArray, model: string, file: string): InferArray {
  if (npy.dtype === "unicode" || npy.dtype === "bytes") throw new ConfigError(`${file}: expected a numeric array; found ${npy.dtype} strings`);
  const scale = model === "vgg3d" ? (npy.dtype === "uint8" ? 1 / 255 : npy.dtype === "uint16" ? 1 / 65535 : 1) : 1;
  const src = npy.data as ArrayLike<number | bigint>;
  const data = Float32Array.from({ length: src.length }, (_, i) => Number(src[i]) * scale);
  return { shape: npy.shape, data };
}

async function main(): Promise<void> {
  const args = parseInferArgs(process.argv.slice(2));
  if (!args) {
    console.log(USAGE);
    return;
  }
  const engine = await initEngine({ quiet: true });
  const started = Date.now();
  const net = loadInferenceNetwork(args.checkpoint, args.model);
  const result = runInference(net, inputArray(readNpyFile(args.input), args.model, args.input));
  disposeInferenceNetwork(net);
  writeFileAtomic(args.out, writeNpy(result.data, result.shape, "float32"));
  console.log(`${args.model}: ${args.input} → ${args.out} [${result.shape.join(", ")}] in ${((Date.now() - started) / 1000).toFixed(1)} s (${engine.message})`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    if (err instanceof WorkbenchError) {
      console.error(`infer: ${err.message}`);
      process.exit(2);
    }
    throw err;
  });
}
