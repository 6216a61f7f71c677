/**
 * `infer`: runs an autoencoder or the VGG3D on a volume from a .npy file.
 * Autoencoders: input [g, g, g] (or [N, g, g, g]) occupancy, uint8/bool/float,
 * indexed [x, y, z]; output float32 logits of the same shape. VGG3D: input
 * [80, 80, 80] (or [N, 80, 80, 80]); uint8/uint16 intensities are scaled to
 * [0, 1] by their type's range, floats are used as given; output the 192
 * pooled features (or [N, 192]).
 */
import { ConfigError, writeFileAtomic } from "../lib/core";
import { command, main } from "../lib/cli";
import { initEngine } from "../lib/engine";
import { readNpyFile, writeNpy, type NpyArray } from "../lib/io";
import {
  disposeInferenceNetwork,
  INFER_MODELS,
  loadInferenceNetwork,
  runInference,
  type InferArray,
  type InferenceNetwork,
} from "../lib/interop";

/** The .npy values as numbers, scaled to [0, 1] for VGG3D when they are unsigned integer intensities. */
function inputArray(npy: NpyArray, net: InferenceNetwork, file: string): InferArray {
  if (npy.dtype === "unicode" || npy.dtype === "bytes")
    throw new ConfigError(`${file}: expected a numeric array; found ${npy.dtype} strings`);
  const scale = net.kind === "vgg3d" ? (npy.dtype === "uint8" ? 1 / 255 : npy.dtype === "uint16" ? 1 / 65535 : 1) : 1;
  const src = npy.data as ArrayLike<number | bigint>;
  const data = Float32Array.from({ length: src.length }, (_, i) => Number(src[i]) * scale);
  return { shape: npy.shape, data };
}

export const inferCommand = command({
  name: "infer",
  summary: "run an autoencoder (logits) or the VGG3D (192 features) on a volume in a .npy file",
  description:
    "Autoencoders take [g, g, g] or [N, g, g, g] occupancy indexed [x, y, z] and give float32 logits of the same shape.\n" +
    "The VGG3D takes [80, 80, 80] or [N, 80, 80, 80] intensities (uint8/uint16 scaled to [0, 1], floats as given) and gives [192] or [N, 192].\n" +
    "A workbench run or checkpoint directory says which autoencoder it holds; a PyTorch .pth needs --model.",
  options: {
    checkpoint: {
      type: "string",
      placeholder: "run dir | file.pth",
      description: "a workbench run or checkpoint directory, or a PyTorch .pth/.pt file",
      required: true,
    },
    model: {
      type: "string",
      choices: INFER_MODELS,
      description: "what a .pth holds (needed for one); with a workbench directory it may be left out, and must agree with it when given",
    },
    input: { type: "string", placeholder: "volume.npy", description: "the volume or batch of volumes", required: true },
    out: { type: "string", placeholder: "out.npy", description: "where to write the float32 result", required: true },
  },
  examples: [
    "npm run infer -- --checkpoint results/runs/tiny --input neuron.npy --out logits.npy",
    "npm run infer -- --checkpoint dense64.pth --model dense64 --input neuron.npy --out logits.npy",
    "npm run infer -- --checkpoint vgg3d.pth --model vgg3d --input crop.npy --out features.npy",
  ],
  async run({ values }) {
    const engine = await initEngine({ quiet: true });
    console.error(engine.message);
    const started = Date.now();
    const net = loadInferenceNetwork(values.checkpoint, values.model);
    let result: ReturnType<typeof runInference>;
    try {
      result = runInference(net, inputArray(readNpyFile(values.input), net, values.input));
    } finally {
      disposeInferenceNetwork(net);
    }
    writeFileAtomic(values.out, writeNpy(result.data, result.shape, "float32"));
    console.log(
      `${net.description}: ${values.input} → ${values.out} [${result.shape.join(", ")}] in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  },
});

if (require.main === module) main(inferCommand);
