import { kernelPool, type KernelArg, type KernelPool } from "./threads";

/** [batch, depth, height, width, channels] */
export type Shape5 = [number, number, number, number, number];
/** Zero padding added before (front/top/left) and after (back/bottom/right) each spatial axis. */
export interface Padding3 {
  front: number;
  back: number;
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/**
 * A result left in kernel memory: `channels` values per voxel, stored with a
 * row stride of `stride` (>= channels, a multiple of 8). Valid until the next
 * kernel call.
 */
export interface KernelResult {
  data: Float32Array;
  channels: number;
  stride: number;
}

export const roundUp8 = (n: number): number => Math.ceil(n / 8) * 8;

/**
 * Chunks of output rows whose filter-gradient sums are kept apart and added
 * in order: fixed, so the gradient is the same bits on any number of threads
 * (it costs one filter-sized copy per chunk of kernel memory).
 */
export const WGRAD_CHUNKS = 8;

/**
 * x [N,D,H,W,C] as a kernel argument, zero-padded and with `Cp` >= C
 * channels per voxel (the ones past C zero): copied into fresh kernel
 * memory, or x itself where it needs neither (KernelPool.input).
 */
export function paddedInput(pool: KernelPool, x: Float32Array, shape: Shape5, p: Padding3, Cp = shape[4]): KernelArg {
  const [N, D, H, W, C] = shape;
  const XD = D + p.front + p.back;
  const XH = H + p.top + p.bottom;
  const XW = W + p.left + p.right;
  const padded = XD !== D || XH !== H || XW !== W || Cp !== C;
  if (!padded) return pool.input(x.subarray(0, N * D * H * W * C));
  const address = pool.alloc(N * XD * XH * XW * Cp);
  const dst = pool.f32(address, N * XD * XH * XW * Cp);
  dst.fill(0);
  const row = W * C;
  for (let n = 0; n < N; n++)
    for (let d = 0; d < D; d++)
      for (let h = 0; h < H; h++) {
        const src = ((n * D + d) * H + h) * row;
        const to = (((n * XD + d + p.front) * XH + h + p.top) * XW + p.left) * Cp;
        if (Cp === C) dst.set(x.subarray(src, src + row), to);
        else for (let w = 0; w < W; w++) dst.set(x.subarray(src + w * C, src + (w + 1) * C), to + w * Cp);
      }
  return address;
}

/** No padding on any side. */
export const NO_PADDING: Padding3 = { front: 0, back: 0, top: 0, bottom: 0, left: 0, right: 0 };

/** Element offsets of the filter taps inside a padded input of width XW and height XH. */
function tapOffsets(pool: KernelPool, address: number, KD: number, KH: number, KW: number, XH: number, XW: number, C: number): void {
  const toff = pool.i32(address, KD * KH * KW);
  let t = 0;
  for (let kd = 0; kd < KD; kd++)
    for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) toff[t++] = ((kd * XH + kh) * XW + kw) * C;
}

/**
 * The weight of tap t (in kd, kh, kw order) from input channel c1 to output
 * channel c2 of the correlation conv3dForward computes with a filter
 * [KD,KH,KW,Cin,Cout]: the filter itself, or with `adjoint` the filter
 * flipped with its channel axes swapped.
 */
export function correlationTap(filter: Float32Array, filterShape: Shape5, adjoint: boolean): (t: number, c1: number, c2: number) => number {
  const [KD, KH, KW, FI, FO] = filterShape;
  const last = KD * KH * KW - 1;
  return adjoint ? (t, c1, c2) => filter[((last - t) * FI + c2) * FO + c1]! : (t, c1, c2) => filter[(t * FI + c1) * FO + c2]!;
}

/**
 * Correlation of a padded input with a filter [KD,KH,KW,Cin,Cout], equal
 * stride on all axes. With `adjoint` the filter is used flipped and with its
 * channel axes swapped, which turns the call into the input gradient of a
 * stride-1 convolution (the input is then dy and Cin/Cout swap roles).
 */
export function conv3dForward(
  x: Float32Array,
  xShape: Shape5,
  filter: Float32Array,
  filterShape: Shape5,
  stride: number,
  pad: Padding3,
  adjoint = false,
): KernelResult {
  const pool = kernelPool();
  pool.reset();
  const [N, D, H, W, C1] = xShape;
  const [KD, KH, KW, FI, FO] = filterShape;
  const C2 = adjoint ? FI : FO;
  if ((adjoint ? FO : FI) !== C1)
    throw new Error(`conv3d: input has ${C1} channels, filter ${filterShape.join("x")} expects ${adjoint ? FO : FI}`);
  const C2p = roundUp8(C2);
  const ntaps = KD * KH * KW;
  const XD = D + pad.front + pad.back;
  const XH = H + pad.top + pad.bottom;
  const XW = W + pad.left + pad.right;
  const OD = Math.floor((XD - KD) / stride) + 1;
  const OH = Math.floor((XH - KH) / stride) + 1;
  const OW = Math.floor((XW - KW) / stride) + 1;

  const xAt = paddedInput(pool, x, xShape, pad);
  const fAt = pool.alloc(C2p * ntaps * C1);
  const tAt = pool.alloc(ntaps);
  const oAt = pool.alloc(N * OD * OH * OW * C2p);

  tapOffsets(pool, tAt, KD, KH, KW, XH, XW, C1);
  // Packed as [C2/8][tap][C1][8] so the kernel streams the filter contiguously.
  const fp = pool.f32(fAt, C2p * ntaps * C1);
  fp.fill(0);
  const tap = correlationTap(filter, filterShape, adjoint);
  for (let t = 0; t < ntaps; t++)
    for (let c1 = 0; c1 < C1; c1++) for (let c2 = 0; c2 < C2; c2++) fp[(((c2 >> 3) * ntaps + t) * C1 + c1) * 8 + (c2 & 7)] = tap(t, c1, c2);
  pool.run("conv_fwd", [xAt, fAt, oAt, tAt, N, XD, XH, XW, C1, OD, OH, OW, C2p, ntaps, stride, ...pool.counter(N * OD * OH)]);
  return { data: pool.f32(oAt, N * OD * OH * OW * C2p), channels: C2, stride: C2p };
}

/**
 * The input gradient of a convolution whose kernel equals its stride s and
 * has no padding, i.e. a transposed convolution of dy [N,D,H,W,Cout] with a
 * filter [s,s,s,Cin,Cout] giving [N,sD,sH,sW,Cin]. The patches of different
 * voxels do not overlap.
 */
export function conv3dTransposeNonOverlapping(dy: Float32Array, dyShape: Shape5, filter: Float32Array, filterShape: Shape5): KernelResult {
  const pool = kernelPool();
  pool.reset();
  const [N, D, H, W, C1] = dyShape;
  const [s, KH, KW, C2, FO] = filterShape;
  if (KH !== s || KW !== s || FO !== C1)
    throw new Error(`conv3d transpose: filter ${filterShape.join("x")} does not fit input ${dyShape.join("x")}`);
  const C2p = roundUp8(C2);
  const ntaps = s * s * s;
  const xAt = pool.input(dy.subarray(0, N * D * H * W * C1));
  const fAt = pool.alloc(ntaps * C2p * C1);
  const tAt = pool.alloc(1);
  const oAt = pool.alloc(N * D * s * H * s * W * s * C2p);
  pool.i32(tAt, 1)[0] = 0;
  // Packed as [tap][C2/8][C1][8].
  const fp = pool.f32(fAt, ntaps * C2p * C1);
  fp.fill(0);
  for (let t = 0; t < ntaps; t++)
    for (let c2 = 0; c2 < C2; c2++)
      for (let c1 = 0; c1 < C1; c1++) fp[((t * (C2p >> 3) + (c2 >> 3)) * C1 + c1) * 8 + (c2 & 7)] = filter[(t * C2 + c2) * C1 + c1]!;
  pool.run("convt_fwd", [xAt, fAt, oAt, tAt, N, D, H, W, C1, C2p, s, ...pool.counter(N * D * H)]);
  return { data: pool.f32(oAt, N * D * s * H * s * W * s * C2p), channels: C2, stride: C2p };
}

/**
 * The filter gradient of a convolution with equal stride on all axes:
 * dF[kd,kh,kw,ci,co] = sum over output voxels of xpad[s*o + k, ci] * dy[o, co].
 * Returns the filter [KD,KH,KW,Cin,Cout] as a new array.
 */
export function conv3dFilterGradient(
  x: Float32Array,
  xShape: Shape5,
  dy: Float32Array,
  dyShape: Shape5,
  kernel: [number, number, number],
  stride: number,
  pad: Padding3,
): Float32Array {
  const pool = kernelPool();
  pool.reset();
  const [N, D, H, W, C1] = xShape;
  const [, OD, OH, OW, C2] = dyShape;
  const [KD, KH, KW] = kernel;
  const C2p = roundUp8(C2);
  const ntaps = KD * KH * KW;
  const XD = D + pad.front + pad.back;
  const XH = H + pad.top + pad.bottom;
  const XW = W + pad.left + pad.right;
  // Padding beyond the last tap the output reaches is never read; the kernel
  // only needs the box the output voxels look at.
  const xAt = paddedInput(pool, x, xShape, pad);
  const bAt = paddedInput(pool, dy, dyShape, NO_PADDING, C2p);
  const tAt = pool.alloc(ntaps);
  const size = ntaps * C1 * C2p;
  const rows = N * OD * OH;
  const chunk = Math.max(1, Math.ceil(rows / WGRAD_CHUNKS));
  const chunks = Math.ceil(rows / chunk);
  const fAt = pool.alloc(chunks * size);
  const work = pool.counter(rows, chunk);
  tapOffsets(pool, tAt, KD, KH, KW, XH, XW, C1);
  pool.run("conv_wgrad", [xAt, bAt, fAt, tAt, N, XD, XH, XW, C1, OD, OH, OW, C2p, ntaps, stride, ...work]);
  return unpad({ data: sumChunks(pool, fAt, size, chunks), channels: C2, stride: C2p });
}

/**
 * The sum of `chunks` copies of `size` floats (a multiple of 4) from
 * `address` on, left in the first: the filter gradients sum each chunk of
 * their work into its own copy, and adding them in chunk order keeps the
 * result independent of the threads.
 */
export function sumChunks(pool: KernelPool, address: number, size: number, chunks: number): Float32Array {
  pool.run("sum_copies", [address, size, chunks, ...pool.counter(size / 4, 1024)]);
  return pool.f32(address, size);
}

/** Copies a kernel result into `out` (or a new array) without the channel padding. */
export function unpad(result: KernelResult, out?: Float32Array): Float32Array {
  const { data, channels, stride } = result;
  const rows = data.length / stride;
  const dst = out ?? new Float32Array(rows * channels);
  if (stride === channels) {
    dst.set(data);
    return dst;
  }
  for (let r = 0; r < rows; r++) {
    const from = r * stride;
    for (let c = 0; c < channels; c++) dst[r * channels + c] = data[from + c]!;
  }
  return dst;
}
