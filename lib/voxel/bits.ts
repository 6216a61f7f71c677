/**
 * Occupancy grids packed 8 voxels per byte, most significant bit first, the
 * layout of numpy's `np.packbits` (so `np.unpackbits(b)[:n]` reads them back).
 * A 128³ grid is 256 KiB packed instead of 2 MiB.
 */
export function packBits(data: Uint8Array): Uint8Array {
  const n = data.length;
  const out = new Uint8Array((n + 7) >> 3);
  const full = n >> 3;
  // Grids are mostly empty: test 8 voxels at once through two 32-bit words.
  const words = data.byteOffset % 4 === 0 ? new Uint32Array(data.buffer, data.byteOffset, full * 2) : null;
  for (let j = 0, i = 0; j < full; j++, i += 8) {
    if (words && words[2 * j] === 0 && words[2 * j + 1] === 0) continue;
    out[j] =
      (data[i]! !== 0 ? 128 : 0) |
      (data[i + 1]! !== 0 ? 64 : 0) |
      (data[i + 2]! !== 0 ? 32 : 0) |
      (data[i + 3]! !== 0 ? 16 : 0) |
      (data[i + 4]! !== 0 ? 8 : 0) |
      (data[i + 5]! !== 0 ? 4 : 0) |
      (data[i + 6]! !== 0 ? 2 : 0) |
      (data[i + 7]! !== 0 ? 1 : 0);
  }
  for (let i = full << 3; i < n; i++) if (data[i] !== 0) out[full] = out[full]! | (128 >> (i & 7));
  return out;
}

/** Where unpacked voxels can go: bytes, or the float32 of a network's input batch (so a batch is filled without a copy). */
export type VoxelArray = Uint8Array | Float32Array;

/** `count` voxels (0/1) from packed bits; into `out` when given. */
export function unpackBits<T extends VoxelArray = Uint8Array>(packed: Uint8Array, count: number, out?: T): T {
  if (packed.length < (count + 7) >> 3) {
    throw new RangeError(`unpackBits: ${count} voxels need ${(count + 7) >> 3} bytes, found ${packed.length}`);
  }
  const res: VoxelArray = out ?? new Uint8Array(count);
  if (res.length < count) throw new RangeError(`unpackBits: out holds ${res.length} voxels, need ${count}`);
  const full = count >> 3;
  // Grids are sparse: clear once, then write only the bytes that hold voxels.
  res.fill(0, 0, count);
  for (let j = 0, i = 0; j < full; j++, i += 8) {
    const b = packed[j]!;
    if (b === 0) continue;
    res[i] = b >> 7;
    res[i + 1] = (b >> 6) & 1;
    res[i + 2] = (b >> 5) & 1;
    res[i + 3] = (b >> 4) & 1;
    res[i + 4] = (b >> 3) & 1;
    res[i + 5] = (b >> 2) & 1;
    res[i + 6] = (b >> 1) & 1;
    res[i + 7] = b & 1;
  }
  for (let i = full << 3; i < count; i++) res[i] = (packed[i >> 3]! >> (7 - (i & 7))) & 1;
  return res as T;
}
