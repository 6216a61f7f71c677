import * as tf from "@tensorflow/tfjs";
import { WorkbenchError } from "../core";
import { gatherStrided } from "../io";
import { numel, toFloat32, type TorchDType, type TorchTensor } from "./tensor";
import type { StateDict } from "./torch-file";

/**
 * Moves weights between PyTorch state dicts and our layers-API models. Our
 * layers are named after the PyTorch module paths, so `<layer>.<param>` is the
 * state-dict key; only the layouts differ:
 *
 *   Conv3d          weight [out, in, kd, kh, kw] ↔ kernel [kd, kh, kw, in, out]
 *   ConvTranspose3d weight [in, out, kd, kh, kw] ↔ kernel [kd, kh, kw, out, in]
 *   Linear          weight [out, in]             ↔ kernel [in, out]
 *   BatchNorm3d     weight, bias, running_mean, running_var ↔ gamma, beta,
 *                   moving_mean, moving_variance (num_batches_tracked has no
 *                   counterpart: checked on load, written as 0 on export)
 *
 * Both permutations are (2, 3, 4, 1, 0). PyTorch's spatial axes D, H, W are
 * our x, y, z: a volume given to PyTorch as [N, 1, x, y, z] and to us as
 * [N, x, y, z, 1] gives the same outputs (tested against the fixtures).
 */

interface ParamSpec {
  /** State-dict suffix, e.g. "weight". */
  torchName: string;
  /** Index in layer.weights. */
  index: number;
  /** tf layout → torch layout permutation (its inverse maps back). */
  toTorch?: number[];
}

const FLOAT_DTYPES: readonly TorchDType[] = ["float32", "float64", "float16", "bfloat16"];
const CONV_PERM = [4, 3, 0, 1, 2]; // [kd,kh,kw,in,out] → [out,in,kd,kh,kw]
const DENSE_PERM = [1, 0];

function paramsOf(layer: tf.layers.Layer): ParamSpec[] | null {
  const cls = layer.getClassName();
  const n = layer.weights.length;
  switch (cls) {
    case "Conv3D":
    case "Conv3DTranspose":
      return [{ torchName: "weight", index: 0, toTorch: CONV_PERM }, ...(n > 1 ? [{ torchName: "bias", index: 1 }] : [])];
    case "Dense":
      return [{ torchName: "weight", index: 0, toTorch: DENSE_PERM }, ...(n > 1 ? [{ torchName: "bias", index: 1 }] : [])];
    case "WorkbenchBatchNorm":
      return [
        { torchName: "weight", index: 0 },
        { torchName: "bias", index: 1 },
        { torchName: "running_mean", index: 2 },
        { torchName: "running_var", index: 3 },
      ];
    default:
      return n === 0 ? [] : null;
  }
}

/** Every layer of `models` once (shared layers appear in several models). */
function layersOf(models: tf.LayersModel[]): tf.layers.Layer[] {
  const seen = new Map<string, tf.layers.Layer>();
  for (const model of models) {
    for (const layer of model.layers) {
      const other = seen.get(layer.name);
      if (other && other !== layer) throw new WorkbenchError(`two different layers are both named ${layer.name}`);
      seen.set(layer.name, layer);
    }
  }
  return [...seen.values()];
}

function invert(perm: number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

/** A per-axis list (a shape, strides) in the axis order `perm` gives. */
function permuteAxes(perAxis: number[], perm: number[]): number[] {
  return perm.map((p) => perAxis[p]!);
}

/**
 * Row-major `data` of `shape` with its axes reordered: output axis i is
 * input axis perm[i]. Plain JS, because the backends' transpose is slow on
 * the 100 MB kernels of the grid-128 model.
 */
export function permute(data: Float32Array, shape: number[], perm: number[]): Float32Array {
  const inStrides = new Array<number>(shape.length);
  for (let i = shape.length - 1, s = 1; i >= 0; i--) {
    inStrides[i] = s;
    s *= shape[i]!;
  }
  // Output axis i steps through the input by the stride of input axis perm[i].
  return gatherStrided(data, 0, permuteAxes(shape, perm), permuteAxes(inStrides, perm));
}

function paramsFor(layer: tf.layers.Layer): ParamSpec[] {
  const params = paramsOf(layer);
  if (!params) throw new WorkbenchError(`layer ${layer.name} (${layer.getClassName()}) has weights but no known PyTorch layout`);
  return params;
}

export interface LoadStateDictOptions {
  /**
   * State-dict keys starting with one of these are skipped rather than
   * reported as unexpected (e.g. "classifier." for a features-only VGG3D).
   */
  ignorePrefixes?: string[];
  /** Name of the source in messages (the checkpoint file). */
  source?: string;
}

/**
 * Copies a state dict into the layers of `models` (strictly: every parameter
 * and buffer must be present with the right shape, and nothing left over).
 * A DataParallel "module." or torch.compile "_orig_mod." prefix on every key
 * is dropped.
 */
export function loadStateDictInto(models: tf.LayersModel[], original: StateDict, options: LoadStateDictOptions = {}): void {
  const stateDict = withoutWrapperPrefix(original);
  const source = options.source ?? "state dict";
  const ignore = options.ignorePrefixes ?? [];
  const used = new Set<string>();
  const missing: string[] = [];
  const plans: { layer: tf.layers.Layer; values: tf.Tensor[] }[] = [];
  const problems: string[] = [];

  const take = (key: string, expectedTorchShape: number[]): TorchTensor | undefined => {
    const t = stateDict.get(key);
    if (!t) {
      missing.push(key);
      return undefined;
    }
    used.add(key);
    const same = t.shape.length === expectedTorchShape.length && t.shape.every((d, i) => d === expectedTorchShape[i]);
    if (!same) {
      problems.push(`${key}: expected shape [${expectedTorchShape.join(", ")}], found [${t.shape.join(", ")}]`);
      return undefined;
    }
    return t;
  };

  try {
    for (const layer of layersOf(models)) {
      const params = paramsFor(layer);
      if (params.length === 0) continue;
      const values: tf.Tensor[] = [];
      for (const p of params) {
        const w = layer.weights[p.index]!;
        const tfShape = w.shape as number[];
        const torchShape = p.toTorch ? permuteAxes(tfShape, p.toTorch) : tfShape;
        const t = take(`${layer.name}.${p.torchName}`, torchShape);
        if (!t) continue;
        if (!FLOAT_DTYPES.includes(t.dtype)) {
          problems.push(`${layer.name}.${p.torchName}: expected a floating-point tensor, found ${t.dtype}`);
          continue;
        }
        const data = toFloat32(t);
        values.push(tf.tensor(p.toTorch ? permute(data, torchShape, invert(p.toTorch)) : data, tfShape, "float32"));
      }
      if (layer.getClassName() === "WorkbenchBatchNorm") {
        const key = `${layer.name}.num_batches_tracked`;
        const t = stateDict.get(key);
        // Absent in state dicts written before PyTorch 0.4.1; harmless either way.
        if (t) {
          used.add(key);
          if (t.shape.length !== 0 || numel(t.shape) !== 1) problems.push(`${key}: expected a scalar, found shape [${t.shape.join(", ")}]`);
        }
      }
      if (values.length === params.length) plans.push({ layer, values });
      else values.forEach((v) => v.dispose());
    }
    const extra = [...stateDict.keys()].filter((k) => !used.has(k) && !ignore.some((p) => k.startsWith(p)));
    const parts: string[] = [];
    if (missing.length) parts.push(`missing ${missing.length}: ${listed(missing)}`);
    if (extra.length) parts.push(`unexpected ${extra.length}: ${listed(extra)}`);
    if (problems.length) parts.push(`mis-shaped or wrong type ${problems.length}: ${listed(problems)}`);
    if (parts.length) {
      throw new WorkbenchError(`${source} does not match the model (${models.map((m) => m.name).join(" + ")}): ${parts.join("; ")}`);
    }
    for (const { layer, values } of plans) layer.setWeights(values);
  } finally {
    for (const { values } of plans) values.forEach((v) => v.dispose());
  }
}

/**
 * Wrappers add a prefix to every key: nn.DataParallel / DistributedDataParallel
 * "module.", torch.compile "_orig_mod.". Training on a GPU cluster often
 * leaves one in the checkpoint; it is not part of the network.
 */
const WRAPPER_PREFIXES = ["module.", "_orig_mod."] as const;

export function withoutWrapperPrefix(stateDict: StateDict): StateDict {
  let current = stateDict;
  for (;;) {
    const keys = [...current.keys()];
    const prefix = WRAPPER_PREFIXES.find((p) => keys.length > 0 && keys.every((k) => k.startsWith(p)));
    if (!prefix) return current;
    current = new Map(keys.map((k) => [k.slice(prefix.length), current.get(k)!]));
  }
}

function listed(items: string[]): string {
  return items.slice(0, 12).join(", ") + (items.length > 12 ? `, … (${items.length - 12} more)` : "");
}

/**
 * The weights of `models` as a PyTorch state dict (float32, PyTorch layouts,
 * num_batches_tracked = 0 for every batch-norm), in layer order.
 */
export function stateDictFrom(models: tf.LayersModel[]): StateDict {
  const out: StateDict = new Map();
  for (const layer of layersOf(models)) {
    const params = paramsFor(layer);
    for (const p of params) {
      const w = layer.weights[p.index]!.read();
      const tfShape = [...w.shape];
      // dataSync may hand out the backend's own buffer: copy before keeping it.
      const values = new Float32Array(w.dataSync() as Float32Array);
      out.set(`${layer.name}.${p.torchName}`, {
        dtype: "float32",
        shape: p.toTorch ? permuteAxes(tfShape, p.toTorch) : tfShape,
        data: p.toTorch ? permute(values, tfShape, p.toTorch) : values,
      });
    }
    if (layer.getClassName() === "WorkbenchBatchNorm") {
      out.set(`${layer.name}.num_batches_tracked`, { dtype: "int64", shape: [], data: new BigInt64Array(1) });
    }
  }
  return out;
}
