import * as tf from "@tensorflow/tfjs";
import { maxPool3d, maxPool3dGrad } from "./maxpool3d";
import { channelSums, registerBatchNormKernels, unregisterBatchNormKernels } from "./batchnorm";
import { registeredGradient, registeredKernel } from "./kernel-registry";
import { allocate, type Backend, isWasm, kernelBackend, read } from "./tensor-memory";
import {
  conv3dFilterGradient,
  conv3dForward,
  conv3dTransposeNonOverlapping,
  unpad,
  type KernelResult,
  type Padding3,
  type Shape5,
} from "./conv3d";
import { conv3dWinograd, conv3dWinogradFilterGradient } from "./winograd";
import { winogradGradientTile, winogradTile } from "./winograd-choice";

/** The environment variable that turns the fast kernels off ("0") for comparison runs. */
export const FAST_KERNELS_ENV = "WORKBENCH_FAST_KERNELS";

/** Backends whose tensors live in memory this process can read and write directly. */
const SUPPORTED = ["wasm", "cpu"] as const;

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** A new tensor of `shape` holding a kernel result (or plain values). */
function write(backend: Backend, shape: number[], result: KernelResult | Float32Array): tf.TensorInfo {
  if (!isWasm(backend) && result instanceof Float32Array) return backend.makeTensorInfo(shape, "float32", result);
  const [out] = allocate(backend, [shape]);
  const dst = read(backend, out!);
  if (result instanceof Float32Array) dst.set(result);
  else unpad(result, dst);
  return out!;
}

function shape5(s: readonly number[]): Shape5 {
  if (s.length !== 5) throw new Error(`fast kernels: expected a 5-D shape, got [${s.join(", ")}]`);
  return [s[0]!, s[1]!, s[2]!, s[3]!, s[4]!];
}

function padding(info: tf.backend_util.Conv3DInfo): Padding3 {
  const p = info.padInfo;
  return { front: p.front, back: p.back, top: p.top, bottom: p.bottom, left: p.left, right: p.right };
}

/** One stride for all three axes, or null when they differ. */
function uniformStride(info: tf.backend_util.Conv3DInfo): number | null {
  return info.strideDepth === info.strideHeight && info.strideHeight === info.strideWidth ? info.strideDepth : null;
}

const unitDilation = (info: tf.backend_util.Conv3DInfo): boolean =>
  info.dilationDepth === 1 && info.dilationHeight === 1 && info.dilationWidth === 1;

const float32 = (...infos: tf.TensorInfo[]): boolean => infos.every((i) => i.dtype === "float32");

type Fast = (args: KernelArgs) => tf.TensorInfo | null;

/**
 * The correlation of conv3dForward, by Winograd tiles where they apply and
 * pay (stride-1 3×3×3 filters, see winograd-choice.ts), else direct.
 */
function correlate(
  x: Float32Array,
  xShape: Shape5,
  filter: Float32Array,
  filterShape: Shape5,
  stride: number,
  pad: Padding3,
  out: number[],
  adjoint: boolean,
): KernelResult {
  const tile = winogradTile(xShape, filterShape, [out[1]!, out[2]!, out[3]!], stride, adjoint);
  if (tile !== null) return conv3dWinograd(x, xShape, filter, filterShape, pad, adjoint, { tile });
  return conv3dForward(x, xShape, filter, filterShape, stride, pad, adjoint);
}

/** Conv3D: any kernel size, padding and (uniform) stride without dilation. */
const conv3d: Fast = ({ inputs, backend: b, attrs }) => {
  const backend = kernelBackend(b);
  const { x, filter } = inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
  const { strides, pad, dilations, dataFormat } = attrs as unknown as tf.Conv3DAttrs;
  if (dataFormat !== "NDHWC" || !float32(x, filter)) return null;
  const info = tf.backend_util.computeConv3DInfo(shape5(x.shape), shape5(filter.shape), strides, dilations, pad);
  const s = uniformStride(info);
  if (s === null || !unitDilation(info)) return null;
  const result = correlate(
    read(backend, x),
    shape5(x.shape),
    read(backend, filter),
    shape5(filter.shape),
    s,
    padding(info),
    info.outShape,
    false,
  );
  return write(backend, info.outShape, result);
};

/**
 * Conv3DBackpropInputV2: the input gradient of a stride-1 convolution (a
 * correlation with the flipped filter), and the transposed convolution whose
 * kernel equals its stride (what Conv3DTranspose(kernel 2, stride 2) runs).
 */
const conv3dBackpropInput: Fast = ({ inputs, backend: b, attrs }) => {
  const backend = kernelBackend(b);
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { strides, pad, inputShape } = attrs as unknown as tf.Conv3DBackpropInputV2Attrs;
  if (!float32(dy, filter)) return null;
  const fShape = shape5(filter.shape);
  const info = tf.backend_util.computeConv3DInfo(shape5(inputShape), fShape, strides, 1, pad);
  const s = uniformStride(info);
  const p = padding(info);
  const [, D, H, W] = inputShape;
  const [, OD, OH, OW] = shape5(dy.shape);
  if (s === 1) {
    const [KD, KH, KW] = fShape;
    // dx[i] = sum_k dy[i - k + front] f[k] = correlation of dy, padded by K-1-front
    // before and by whatever makes the length D + K - 1 after, with the flipped filter.
    const adj: Padding3 = {
      front: KD - 1 - p.front,
      back: D - OD + p.front,
      top: KH - 1 - p.top,
      bottom: H - OH + p.top,
      left: KW - 1 - p.left,
      right: W - OW + p.left,
    };
    if (Object.values(adj).some((v) => v < 0)) return null;
    const result = correlate(read(backend, dy), shape5(dy.shape), read(backend, filter), fShape, 1, adj, inputShape, true);
    return write(backend, [...inputShape], result);
  }
  const nonOverlapping =
    s !== null &&
    fShape[0] === s &&
    fShape[1] === s &&
    fShape[2] === s &&
    Object.values(p).every((v) => v === 0) &&
    D === OD * s &&
    H === OH * s &&
    W === OW * s;
  if (!nonOverlapping) return null;
  const result = conv3dTransposeNonOverlapping(read(backend, dy), shape5(dy.shape), read(backend, filter), fShape);
  return write(backend, [...inputShape], result);
};

/** Conv3DBackpropFilterV2: any kernel size, padding and uniform stride (stride-1 3×3×3 by Winograd tiles where they pay). */
const conv3dBackpropFilter: Fast = ({ inputs, backend: b, attrs }) => {
  const backend = kernelBackend(b);
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, filterShape } = attrs as unknown as tf.Conv3DBackpropFilterV2Attrs;
  if (!float32(x, dy)) return null;
  const info = tf.backend_util.computeConv3DInfo(shape5(x.shape), shape5(filterShape), strides, 1, pad);
  const s = uniformStride(info);
  if (s === null) return null;
  const xShape = shape5(x.shape);
  const dyShape = shape5(dy.shape);
  const [xs, dys] = [read(backend, x), read(backend, dy)];
  const tile = winogradGradientTile(xShape, shape5(filterShape), [dyShape[1], dyShape[2], dyShape[3]], s);
  const grad =
    tile !== null
      ? conv3dWinogradFilterGradient(xs, xShape, dys, dyShape, padding(info), { tile })
      : conv3dFilterGradient(xs, xShape, dys, dyShape, [filterShape[0], filterShape[1], filterShape[2]], s, padding(info));
  return write(backend, [...filterShape], grad);
};

/** The window side k when a 3-D pool has a k^3 window, stride k and no padding; else null. */
function poolWindow(info: tf.backend_util.Conv3DInfo): number | null {
  const k = info.effectiveFilterDepth;
  const cubic = info.effectiveFilterHeight === k && info.effectiveFilterWidth === k;
  const strided = info.strideDepth === k && info.strideHeight === k && info.strideWidth === k;
  const p = info.padInfo;
  const unpadded = p.front === 0 && p.back === 0 && p.top === 0 && p.bottom === 0 && p.left === 0 && p.right === 0;
  const [, D, H, W] = info.outShape;
  const floor = D === Math.floor(info.inDepth / k) && H === Math.floor(info.inHeight / k) && W === Math.floor(info.inWidth / k);
  return cubic && strided && unpadded && floor ? k : null;
}

/** MaxPool3D with a k^3 window and stride k (what MaxPooling3D layers run). */
const maxPool: Fast = ({ inputs, backend: b, attrs }) => {
  const backend = kernelBackend(b);
  const { x } = inputs as { x: tf.TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode, dataFormat } = attrs as unknown as tf.MaxPool3DAttrs;
  if (dataFormat !== "NDHWC" || !float32(x)) return null;
  const info = tf.backend_util.computePool3DInfo(shape5(x.shape), filterSize, strides, 1, pad, dimRoundingMode, dataFormat);
  const k = poolWindow(info);
  if (k === null) return null;
  return write(backend, info.outShape, maxPool3d(read(backend, x), shape5(x.shape), k));
};

const maxPoolGrad: Fast = ({ inputs, backend: b, attrs }) => {
  const backend = kernelBackend(b);
  const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPool3DGradAttrs;
  if (!float32(dy, input)) return null;
  const info = tf.backend_util.computePool3DInfo(shape5(input.shape), filterSize, strides, 1, pad, dimRoundingMode);
  const k = poolWindow(info);
  if (k === null) return null;
  return write(backend, [...input.shape], maxPool3dGrad(read(backend, input), read(backend, dy), shape5(input.shape), k));
};

/**
 * Sum over every axis but the last (bias gradients): tfjs transposes the
 * reduced axes to the end first, which took most of a training step's time
 * at 64³, batch 2.
 */
const channelSum: Fast = ({ inputs, backend: b, attrs }) => {
  const backend = kernelBackend(b);
  const { x } = inputs as { x: tf.TensorInfo };
  const { axis, keepDims } = attrs as unknown as tf.SumAttrs;
  const rank = x.shape.length;
  const axes = tf.util.parseAxisParam(axis, x.shape);
  const leading = axes.length === rank - 1 && [...axes].sort((p, q) => p - q).every((a, i) => a === i);
  if (!float32(x) || rank < 2 || !leading) return null;
  const channels = x.shape[rank - 1]!;
  const sums = Float32Array.from(channelSums(read(backend, x), channels));
  return write(backend, keepDims ? [...Array<number>(rank - 1).fill(1), channels] : [channels], sums);
};

/**
 * Identity on wasm copies the data, and tfjs clones (Identity) every tensor it
 * saves for a gradient, so training held two copies of each saved activation
 * and a 64^3 batch of 2 ran out of the 4 GiB wasm heap. Sharing the buffer
 * (as Reshape and the cpu backend already do) is safe: tfjs kernels never
 * write into their inputs, and the backend counts references.
 */
const sharedIdentity: Fast = ({ inputs, backend }) => {
  const { x } = inputs as { x: tf.TensorInfo };
  if (x.dtype === "string") return null;
  kernelBackend(backend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

/**
 * A cast to the tensor's own dtype is an Identity: tfjs writes the gradient
 * of every Identity as one (tfjs-layers' Add clones its first input), and
 * wasm copied each of those full-size gradients.
 */
const sameTypeCast: Fast = (args) =>
  (args.attrs as unknown as tf.CastAttrs).dtype === (args.inputs as { x: tf.TensorInfo }).x.dtype ? sharedIdentity(args) : null;

const FAST: Record<string, Fast> = {
  Conv3D: conv3d,
  Conv3DBackpropInputV2: conv3dBackpropInput,
  Conv3DBackpropFilterV2: conv3dBackpropFilter,
  MaxPool3D: maxPool,
  MaxPool3DGrad: maxPoolGrad,
  Sum: channelSum,
  Identity: sharedIdentity,
  Cast: sameTypeCast,
};

/** Kernels replaced on one backend only (the others' versions are already right). */
const ONLY_ON: Record<string, string> = { Identity: "wasm", Cast: "wasm" };

/** How often each replaced kernel ran on the fast path and how often it fell back to tfjs'. */
const stats = new Map<string, { fast: number; fallback: number }>();

/** Per kernel name: calls served by the fast kernels and calls passed on to tfjs' own. */
export function fastKernelStats(): Record<string, { fast: number; fallback: number }> {
  return Object.fromEntries([...stats].map(([k, v]) => [k, { ...v }]));
}

/** The kernels that were registered before ours, to fall back on and to restore. */
const originals = new Map<string, tf.KernelConfig>();

/**
 * tfjs has no gradient for Conv3DBackpropInputV2, so Conv3DTranspose layers
 * cannot train without one. Same rule as for Conv2DBackpropInput: the
 * gradient of a transposed convolution is the forward convolution (for its
 * input) and the filter gradient with the roles of input and dy swapped.
 */
function registerConvTransposeGradient(): void {
  if (registeredGradient("Conv3DBackpropInputV2") !== undefined) return;
  tf.registerGradient({
    kernelName: "Conv3DBackpropInputV2",
    inputsToSave: ["dy", "filter"],
    gradFunc: (ddx, saved, attrs) => {
      const [dy, filter] = saved as [tf.Tensor5D, tf.Tensor5D];
      const { strides, pad } = attrs as unknown as tf.Conv3DBackpropInputV2Attrs;
      const g = ddx as tf.Tensor5D;
      return {
        dy: () => tf.conv3d(g, filter, strides, pad),
        filter: () => tf.engine().runKernel<tf.Tensor>("Conv3DBackpropFilterV2", { x: g, dy }, { strides, pad, filterShape: filter.shape }),
      };
    },
  });
}

/** Whether the fast 3-D convolution and pooling kernels are installed for `backend`. */
export function fastKernelsInstalled(backend: string = tf.getBackend()): boolean {
  return originals.has(`${backend}/Conv3D`);
}

/**
 * Replaces tfjs' 3-D convolution kernels (forward, input and filter
 * gradient; stride-1 3×3×3 ones by Winograd tiles where they pay),
 * 3-D max-pooling and sums over all but the last axis on the wasm
 * and cpu backends with the multithreaded WebAssembly SIMD kernels (and, on
 * wasm, Identity and same-dtype Cast with buffer sharing); cases they do not
 * cover (dilation, unequal strides, other dtypes or axes) go to the original
 * kernel. Also registers the batch-norm kernels (./batchnorm) and the
 * transposed-convolution gradient tfjs lacks. Returns false for backends it
 * does not apply to.
 */
export function installFastKernels(backend: string = tf.getBackend()): boolean {
  registerConvTransposeGradient();
  if (!(SUPPORTED as readonly string[]).includes(backend)) return false;
  if (fastKernelsInstalled(backend)) return true;
  registerBatchNormKernels(backend);
  for (const [name, fast] of Object.entries(FAST)) {
    if (ONLY_ON[name] !== undefined && ONLY_ON[name] !== backend) continue;
    const original = registeredKernel(name, backend);
    if (!original) continue;
    originals.set(`${backend}/${name}`, original);
    tf.unregisterKernel(name, backend);
    tf.registerKernel({
      kernelName: name,
      backendName: backend,
      kernelFunc: (args) => {
        const count = stats.get(name) ?? { fast: 0, fallback: 0 };
        stats.set(name, count);
        const out = fast(args);
        if (out) {
          count.fast++;
          return out;
        }
        count.fallback++;
        return original.kernelFunc(args);
      },
    });
  }
  return true;
}

/** Puts tfjs' own kernels back (used by tests and comparisons). */
export function uninstallFastKernels(backend: string = tf.getBackend()): void {
  unregisterBatchNormKernels(backend);
  for (const name of Object.keys(FAST)) {
    const original = originals.get(`${backend}/${name}`);
    if (!original) continue;
    tf.unregisterKernel(name, backend);
    tf.registerKernel(original);
    originals.delete(`${backend}/${name}`);
  }
}
