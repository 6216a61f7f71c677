import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { readNiftiFile } from "../../lib/io";

// Hand-written NIfTI-1 files (see make_nifti_fixtures.py there): value = x + 10y + 100z.
const FIX = path.resolve(__dirname, "../fixtures/nifti");
const want: number[] = [];
for (let z = 0; z < 3; z++) for (let y = 0; y < 4; y++) for (let x = 0; x < 5; x++) want.push(x + 10 * y + 100 * z);

test("int16 little and big endian and gzipped float32 give the same voxels, x fastest", async () => {
  for (const name of ["int16_little.nii", "int16_big_endian.nii", "float32.nii.gz"]) {
    const v = await readNiftiFile(path.join(FIX, name));
    assert.deepEqual(v.dims, [5, 4, 3], name);
    assert.deepEqual(v.voxelSize, [0.5, 0.5, 2], name);
    assert.deepEqual(Array.from(v.data), want, name);
  }
  assert.ok((await readNiftiFile(path.join(FIX, "float32.nii.gz"))).data instanceof Float32Array);
});

test("truncated and non-NIfTI files name the file and the problem", async () => {
  await assert.rejects(
    readNiftiFile(path.join(FIX, "uint8_truncated.nii")),
    /uint8_truncated\.nii@380: image needs 412 bytes \(5x4x3 voxels of 8 bits\) but the file has 380/,
  );
  await assert.rejects(readNiftiFile(path.join(FIX, "make_nifti_fixtures.py")), /make_nifti_fixtures\.py@344: not a NIfTI-1\/NIfTI-2 file/);
});
