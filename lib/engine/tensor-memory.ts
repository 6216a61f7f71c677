import * as tf from "@tensorflow/tfjs";

/** A backend as the fast kernels use it: read an input, make an output. */
export type Backend = tf.KernelBackend & { makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo };

/** The backend a kernel function is called with, which tfjs types as `{}`. */
export function kernelBackend(backend: unknown): Backend {
  if (!(backend instanceof tf.KernelBackend)) throw new Error("fast kernels: called with something that is not a tfjs backend");
  return backend as Backend;
}

/** What the kernels need from the wasm backend: its heap and where a tensor sits in it. */
interface WasmBackendInternals {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(id: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

export function isWasm(backend: unknown): backend is WasmBackendInternals {
  return typeof backend === "object" && backend !== null && "wasm" in backend && "dataIdMap" in backend;
}

/**
 * A float32 view of a tensor's values, without copying where the backend
 * allows. On wasm the view dies when the heap grows: take it after the last
 * allocation of a kernel.
 */
export function read(backend: Backend, info: tf.TensorInfo): Float32Array {
  const size = info.shape.reduce((a, b) => a * b, 1);
  if (isWasm(backend)) {
    const { memoryOffset } = backend.dataIdMap.get(info.dataId);
    return new Float32Array(backend.wasm.HEAPU8.buffer, memoryOffset, size);
  }
  return backend.readSync(info.dataId) as Float32Array;
}

/** New float32 tensors of the given shapes, to be filled through `read` (their values start undefined on wasm). */
export function allocate(backend: Backend, shapes: number[][]): tf.TensorInfo[] {
  if (isWasm(backend)) return shapes.map((s) => backend.makeOutput(s, "float32"));
  // The cpu backend keeps the array it is given, so filling it later fills the tensor.
  return shapes.map((s) => backend.makeTensorInfo(s, "float32", new Float32Array(s.reduce((a, b) => a * b, 1))));
}

/** Bytes of the wasm backend's heap (its high-water mark: it never shrinks), or null on other backends. */
export function backendHeapBytes(): number | null {
  const backend = tf.backend();
  return isWasm(backend) ? backend.wasm.HEAPU8.byteLength : null;
}
