import * as tf from "@tensorflow/tfjs";
import { registeredKernel } from "./kernel-registry";
import { allocate, kernelBackend, read } from "./tensor-memory";
import { kernelPool, type KernelPool } from "./threads";

/**
 * Batch normalisation (optionally followed by ReLU) over the last axis of a
 * channels-last tensor of any rank, as three kernels: per-channel moments,
 * per-channel affine map, and the training gradient. On wasm and cpu they run
 * in the WebAssembly SIMD kernels (kernels/batchnorm.c) on all threads;
 * elsewhere (tfjs-node, GPU) the same formulas run as tfjs ops. Kernels,
 * because the tfjs-op version made a training step keep five full-size
 * tensors per layer (the 64³ step at batch 2 did not fit the 4 GiB wasm
 * heap) and spent most of its time in broadcasts; fused, a layer keeps its
 * input and its output only.
 */
const MOMENTS = "WorkbenchChannelMoments";
const AFFINE = "WorkbenchChannelAffine";
const GRAD = "WorkbenchBatchNormGrad";

/** Names of the batch-norm kernels the engine registers on wasm and cpu. */
export const BATCHNORM_KERNEL_NAMES = [MOMENTS, AFFINE, GRAD];

type KernelArgs = Parameters<tf.KernelFunc>[0];

const channelsOf = (info: { shape: number[] }): number => info.shape[info.shape.length - 1]!;

/**
 * Chunks of rows whose sums the kernels keep apart: a fixed count, so the
 * per-channel sums are added in the same order whatever the thread count.
 */
const SUM_CHUNKS = 64;

/** Work counter with a fixed chunk size, and zeroed double slots (2 per channel) for each chunk. */
function chunkedSums(pool: KernelPool, rows: number, channels: number): { work: [number, number]; sumsAt: number; chunks: number } {
  const chunk = Math.max(1, Math.ceil(rows / SUM_CHUNKS));
  const chunks = Math.ceil(rows / chunk);
  const sumsAt = pool.alloc(chunks * 2 * channels * 2);
  return { work: pool.counter(rows, chunk), sumsAt, chunks };
}

/** Adds the chunks' sums in order: [Σ first quantity, Σ second quantity] per channel. */
function addChunks(pool: KernelPool, sumsAt: number, chunks: number, channels: number): [Float64Array, Float64Array] {
  const sums = pool.f64(sumsAt, chunks * 2 * channels);
  const a = new Float64Array(channels);
  const b = new Float64Array(channels);
  for (let k = 0; k < chunks; k++)
    for (let c = 0; c < channels; c++) {
      a[c]! += sums[k * 2 * channels + c]!;
      b[c]! += sums[k * 2 * channels + channels + c]!;
    }
  return [a, b];
}

/** Per channel, Σ(x − shift) and Σ(x − shift)² in double precision. */
function shiftedSums(x: Float32Array, channels: number, shift: Float32Array): [Float64Array, Float64Array] {
  const pool = kernelPool();
  pool.reset();
  const rows = x.length / channels;
  const { work, sumsAt, chunks } = chunkedSums(pool, rows, channels);
  const xAt = pool.input(x);
  const sAt = pool.input(shift);
  pool.f64(sumsAt, chunks * 2 * channels).fill(0);
  pool.run("bn_stats", [xAt, sAt, sumsAt, rows, channels, ...work]);
  return addChunks(pool, sumsAt, chunks, channels);
}

/** Mean and biased variance per channel, summed around the first row's values against cancellation. */
function moments(x: Float32Array, channels: number, mean: Float32Array, variance: Float32Array): void {
  const rows = x.length / channels;
  const shift = x.slice(0, channels);
  const [s1, s2] = shiftedSums(x, channels, shift);
  for (let c = 0; c < channels; c++) {
    const m = s1[c]! / rows;
    mean[c] = shift[c]! + m;
    variance[c] = Math.max(0, s2[c]! / rows - m * m);
  }
}

/**
 * Sum over every axis but the last of a channels-last array (what a bias
 * gradient is), in double precision on the kernel threads.
 */
export function channelSums(x: Float32Array, channels: number): Float64Array {
  return shiftedSums(x, channels, new Float32Array(channels))[0];
}

function affine(x: Float32Array, scale: Float32Array, shift: Float32Array, relu: boolean, out: Float32Array): void {
  const pool = kernelPool();
  pool.reset();
  const channels = scale.length;
  const rows = x.length / channels;
  const work = pool.counter(rows);
  const args = [pool.input(x), pool.input(scale), pool.input(shift), pool.output(out)];
  pool.run("bn_affine", [...args, rows, channels, relu ? 1 : 0, ...work]);
}

/**
 * With d = dy (masked by y > 0 after a ReLU) and x̂ = (x − mean)·invStd:
 * dβ = Σd, dγ = Σd·x̂, dx = γ·invStd/n · (n·d − dβ − x̂·dγ).
 */
function gradient(
  dy: Float32Array,
  x: Float32Array,
  y: Float32Array,
  mean: Float32Array,
  invStd: Float32Array,
  gamma: Float32Array,
  relu: boolean,
  dx: Float32Array,
  dGamma: Float32Array,
  dBeta: Float32Array,
): void {
  const pool = kernelPool();
  pool.reset();
  const channels = gamma.length;
  const rows = x.length / channels;
  const { work, sumsAt, chunks } = chunkedSums(pool, rows, channels);
  const work2 = pool.counter(rows);
  const coefficients = pool.alloc(3 * channels);
  const [dyAt, xAt, mAt, iAt] = [dy, x, mean, invStd].map((a) => pool.input(a));
  // Without a ReLU the kernels never read y.
  const yAt = relu ? pool.input(y) : xAt!;
  pool.f64(sumsAt, chunks * 2 * channels).fill(0);
  pool.run("bn_grad_stats", [dyAt!, xAt!, yAt, mAt!, iAt!, sumsAt, rows, channels, relu ? 1 : 0, ...work]);
  // An output belongs to the next run only.
  const dxAt = pool.output(dx);
  const [sb, sg] = addChunks(pool, sumsAt, chunks, channels);
  // dx = a·d + g·(x − mean) + b with k = γ·invStd/n: a = k·n, g = −k·dγ·invStd, b = −k·dβ.
  const abg = pool.f32(coefficients, 3 * channels);
  for (let c = 0; c < channels; c++) {
    const k = (gamma[c]! * invStd[c]!) / rows;
    abg[c] = k * rows;
    abg[channels + c] = -k * sg[c]! * invStd[c]!;
    abg[2 * channels + c] = -k * sb[c]!;
    dGamma[c] = sg[c]!;
    dBeta[c] = sb[c]!;
  }
  const aAt = coefficients;
  const gAt = coefficients + 4 * channels;
  const bAt = coefficients + 8 * channels;
  pool.run("bn_grad_dx", [dyAt!, xAt!, yAt, mAt!, aAt, gAt, bAt, dxAt, rows, channels, relu ? 1 : 0, ...work2]);
}

const kernels: Record<string, (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[]> = {
  [MOMENTS]: ({ inputs, backend: b }) => {
    const backend = kernelBackend(b);
    const { x } = inputs as { x: tf.TensorInfo };
    const c = channelsOf(x);
    const outs = allocate(backend, [[c], [c]]);
    moments(read(backend, x), c, read(backend, outs[0]!), read(backend, outs[1]!));
    return outs;
  },
  [AFFINE]: ({ inputs, backend: b, attrs }) => {
    const backend = kernelBackend(b);
    const { x, scale, shift } = inputs as { x: tf.TensorInfo; scale: tf.TensorInfo; shift: tf.TensorInfo };
    // One output, not a list of one: runKernel would hand back a list.
    const [out] = allocate(backend, [x.shape]);
    affine(read(backend, x), read(backend, scale), read(backend, shift), Boolean(attrs?.relu), read(backend, out!));
    return out!;
  },
  [GRAD]: ({ inputs, backend: b, attrs }) => {
    const backend = kernelBackend(b);
    const { dy, x, y, mean, invStd, gamma } = inputs as Record<"dy" | "x" | "y" | "mean" | "invStd" | "gamma", tf.TensorInfo>;
    const c = channelsOf(x);
    const outs = allocate(backend, [x.shape, [c], [c]]);
    const [dx, dGamma, dBeta] = outs.map((o) => read(backend, o));
    gradient(
      read(backend, dy),
      read(backend, x),
      read(backend, y),
      read(backend, mean),
      read(backend, invStd),
      read(backend, gamma),
      Boolean(attrs?.relu),
      dx!,
      dGamma!,
      dBeta!,
    );
    return outs;
  },
};

/** Registers the batch-norm kernels for `backend` (wasm or cpu: their tensors are plain memory). */
export function registerBatchNormKernels(backend: string): void {
  for (const [kernelName, kernelFunc] of Object.entries(kernels)) {
    if (!registeredKernel(kernelName, backend)) tf.registerKernel({ kernelName, backendName: backend, kernelFunc });
  }
}

/** Removes them again; the ops then run as tfjs ops (the reference the tests compare with). */
export function unregisterBatchNormKernels(backend: string): void {
  for (const kernelName of BATCHNORM_KERNEL_NAMES) if (registeredKernel(kernelName, backend)) tf.unregisterKernel(kernelName, backend);
}

const hasKernel = (name: string): boolean => registeredKernel(name, tf.getBackend()) !== undefined;

/** Every axis but the last (the channels). */
const spatialAxes = (t: tf.Tensor): number[] => Array.from({ length: t.rank - 1 }, (_, i) => i);

function channelMoments(x: tf.Tensor): { mean: tf.Tensor1D; variance: tf.Tensor1D } {
  if (hasKernel(MOMENTS)) {
    const [mean, variance] = tf.engine().runKernel<tf.Tensor1D[]>(MOMENTS, { x });
    return { mean: mean!, variance: variance! };
  }
  const { mean, variance } = tf.moments(x, spatialAxes(x));
  return { mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
}

/**
 * x·scale + shift per channel (scale and shift of shape [channels]), then
 * ReLU when `relu`: batch-norm in inference mode with scale = γ/√(var + ε)
 * and shift = β − mean·scale. Takes no gradient.
 */
export function channelAffine<T extends tf.Tensor>(x: T, scale: tf.Tensor1D, shift: tf.Tensor1D, relu: boolean): T {
  if (hasKernel(AFFINE)) return tf.engine().runKernel<T>(AFFINE, { x, scale, shift }, { relu });
  return tf.tidy(() => {
    const y = tf.add(tf.mul(x, scale), shift);
    return (relu ? tf.relu(y) : y) as T;
  });
}

function batchNormGrad(
  dy: tf.Tensor,
  x: tf.Tensor,
  y: tf.Tensor,
  mean: tf.Tensor1D,
  invStd: tf.Tensor1D,
  gamma: tf.Tensor1D,
  relu: boolean,
): tf.Tensor[] {
  if (hasKernel(GRAD)) return tf.engine().runKernel<tf.Tensor[]>(GRAD, { dy, x, y, mean, invStd, gamma }, { relu });
  return tf.tidy(() => {
    const n = x.size / gamma.size;
    const axes = spatialAxes(x);
    const d = relu ? tf.mul(dy, tf.step(y)) : dy;
    const xHat = tf.mul(tf.sub(x, mean), invStd);
    const dBeta = tf.sum(d, axes);
    const dGamma = tf.sum(tf.mul(d, xHat), axes);
    const dx = tf.mul(tf.div(tf.mul(gamma, invStd), n), tf.sub(tf.sub(tf.mul(d, n), dBeta), tf.mul(xHat, dGamma)));
    return [dx, dGamma, dBeta];
  });
}

/**
 * Batch-norm in training mode over the last axis, with ReLU after it when
 * `relu`: y = relu((x − mean)/√(var + ε)·γ + β) with the batch's own
 * statistics, differentiable in x, γ and β. Saves only x, y and per-channel
 * values for the gradient. `onStatistics` receives the batch's mean and
 * biased variance (for running averages); they are disposed after it returns.
 */
export function batchNormTraining<T extends tf.Tensor>(
  x: T,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon: number,
  relu: boolean,
  onStatistics?: (mean: tf.Tensor1D, variance: tf.Tensor1D) => void,
): T {
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [input, g, b, save] = args as [T, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    const { mean, variance } = channelMoments(input);
    const invStd = tf.rsqrt(tf.add<tf.Tensor1D>(variance, epsilon));
    const scale = tf.mul<tf.Tensor1D>(g, invStd);
    const y = channelAffine(input, scale, tf.sub<tf.Tensor1D>(b, tf.mul(mean, scale)), relu);
    save([input, y, g, mean, invStd]);
    onStatistics?.(mean, variance);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [sx, sy, sg, sm, si] = saved as [tf.Tensor, tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
        return batchNormGrad(dy as tf.Tensor, sx, sy, sm, si, sg, relu);
      },
    };
  });
  return op(x, gamma, beta);
}
