/** Typed arrays of any element type, or plain arrays (npy's strings). */
type Elements = { readonly length: number; [index: number]: unknown };

/**
 * A new row-major array of `shape` whose element at multi-index i is
 * data[offset + Σ i[d]·stride[d]]: a strided view made contiguous, or, with
 * the strides of the input's axes reordered, a transpose.
 */
export function gatherStrided<T extends Elements>(data: T, offset: number, shape: readonly number[], stride: readonly number[]): T {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = (Array.isArray(data) ? new Array(n) : new (data.constructor as new (length: number) => T)(n)) as T;
  const rank = shape.length;
  if (n === 0) return out;
  if (rank === 0) {
    out[0] = data[offset];
    return out;
  }
  // The last axis in a tight loop, the others as an odometer moving `src` by their strides.
  const inner = shape[rank - 1]!;
  const innerStride = stride[rank - 1]!;
  const idx = new Array<number>(rank).fill(0);
  let src = offset;
  for (let o = 0; o < n; o += inner) {
    for (let k = 0, s = src; k < inner; k++, s += innerStride) out[o + k] = data[s];
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]!++;
      src += stride[d]!;
      if (idx[d]! < shape[d]!) break;
      src -= stride[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
  return out;
}
