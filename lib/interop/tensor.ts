import * as os from "node:os";
import { floatToHalf, halfToFloat } from "../io";

/** Storages are little-endian; on such hosts float32 bytes copy straight across. */
const LITTLE_ENDIAN_HOST = os.endianness() === "LE";

/**
 * A tensor read from or written to a PyTorch file: dtype, shape and the
 * elements in row-major (C) order. Half and bfloat16 values are widened to
 * float32 in memory and narrowed again when written.
 */
export type TorchDType = "float32" | "float64" | "float16" | "bfloat16" | "int64" | "int32" | "int16" | "int8" | "uint8" | "bool";

export type TorchData = Float32Array | Float64Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

export interface TorchTensor {
  dtype: TorchDType;
  shape: number[];
  /** Row-major elements; length = product of shape (1 for a scalar). */
  data: TorchData;
}

interface DTypeInfo {
  /** The legacy storage class torch.save names in its persistent ids. */
  storage: string;
  bytes: number;
}

export const TORCH_DTYPES: Record<TorchDType, DTypeInfo> = {
  float32: { storage: "FloatStorage", bytes: 4 },
  float64: { storage: "DoubleStorage", bytes: 8 },
  float16: { storage: "HalfStorage", bytes: 2 },
  bfloat16: { storage: "BFloat16Storage", bytes: 2 },
  int64: { storage: "LongStorage", bytes: 8 },
  int32: { storage: "IntStorage", bytes: 4 },
  int16: { storage: "ShortStorage", bytes: 2 },
  int8: { storage: "CharStorage", bytes: 1 },
  uint8: { storage: "ByteStorage", bytes: 1 },
  bool: { storage: "BoolStorage", bytes: 1 },
};

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

// Scratch for bfloat16, the upper half of a float32's bits.
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Decodes the first `count` little-endian elements of `dtype` in `bytes`. */
export function decodeElements(bytes: Uint8Array, dtype: TorchDType, count: number): TorchData {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case "float32": {
      if (LITTLE_ENDIAN_HOST) return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + 4 * count));
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = dv.getFloat32(4 * i, true);
      return out;
    }
    case "float64": {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = dv.getFloat64(8 * i, true);
      return out;
    }
    case "float16": {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = halfToFloat(dv.getUint16(2 * i, true));
      return out;
    }
    case "bfloat16": {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) {
        u32[0] = dv.getUint16(2 * i, true) << 16;
        out[i] = f32[0]!;
      }
      return out;
    }
    case "int64": {
      const out = new BigInt64Array(count);
      for (let i = 0; i < count; i++) out[i] = dv.getBigInt64(8 * i, true);
      return out;
    }
    case "int32": {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = dv.getInt32(4 * i, true);
      return out;
    }
    case "int16": {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = dv.getInt16(2 * i, true);
      return out;
    }
    case "int8":
      return new Int8Array(bytes.slice(0, count).buffer);
    case "uint8":
    case "bool":
      return bytes.slice(0, count);
  }
}

/** Little-endian bytes of a tensor's elements in the dtype's storage layout. */
export function encodeElements(tensor: TorchTensor): Uint8Array {
  const n = tensor.data.length;
  if (LITTLE_ENDIAN_HOST && tensor.dtype === "float32" && tensor.data instanceof Float32Array) {
    return new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength).slice();
  }
  const out = new Uint8Array(n * TORCH_DTYPES[tensor.dtype].bytes);
  const dv = new DataView(out.buffer);
  const d = tensor.data;
  switch (tensor.dtype) {
    case "float32":
      for (let i = 0; i < n; i++) dv.setFloat32(4 * i, Number(d[i]), true);
      break;
    case "float64":
      for (let i = 0; i < n; i++) dv.setFloat64(8 * i, Number(d[i]), true);
      break;
    case "float16":
      for (let i = 0; i < n; i++) dv.setUint16(2 * i, floatToHalf(Number(d[i])), true);
      break;
    case "bfloat16":
      for (let i = 0; i < n; i++) {
        f32[0] = Number(d[i]);
        // Round to nearest even on the 16 dropped bits.
        const x = u32[0]!;
        dv.setUint16(2 * i, ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff, true);
      }
      break;
    case "int64":
      for (let i = 0; i < n; i++) dv.setBigInt64(8 * i, BigInt(d[i]!), true);
      break;
    case "int32":
      for (let i = 0; i < n; i++) dv.setInt32(4 * i, Number(d[i]), true);
      break;
    case "int16":
      for (let i = 0; i < n; i++) dv.setInt16(2 * i, Number(d[i]), true);
      break;
    case "int8":
      for (let i = 0; i < n; i++) dv.setInt8(i, Number(d[i]));
      break;
    case "uint8":
    case "bool":
      for (let i = 0; i < n; i++) dv.setUint8(i, Number(d[i]));
      break;
  }
  return out;
}

/** The tensor's elements as float32 (int64 values beyond 2^24 lose precision). */
export function toFloat32(tensor: TorchTensor): Float32Array {
  if (tensor.data instanceof Float32Array) return tensor.data;
  const out = new Float32Array(tensor.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Number(tensor.data[i]);
  return out;
}
