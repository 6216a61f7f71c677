import { test } from "node:test";
import * as assert from "node:assert/strict";
import {
  occupiedVoxels,
  predictionHistogramFigure,
  reconstructionFigure,
  renderVolumes,
  thresholdCurvesFigure,
  volumeSlice,
  rotatingGif,
} from "../../lib/viz";

const g = 16;
const idx = (x: number, y: number, z: number) => (x * g + y) * g + z;

/** A rod along y (cortical depth) at x = z = 8 and a branch along x at y = 4. */
function rodWithBranch(): Float32Array {
  const v = new Float32Array(g ** 3);
  for (let y = 2; y < 14; y++) v[idx(8, y, 8)] = 1;
  for (let x = 3; x < 13; x++) v[idx(x, 4, 8)] = 1;
  return v;
}

test("occupiedVoxels crops 10 % per side", () => {
  const v = new Float32Array(g ** 3);
  v[idx(0, 5, 5)] = 1; // inside the cropped margin (floor(1.6) = 1 voxel)
  v[idx(1, 5, 5)] = 1;
  v[idx(15, 5, 5)] = 1;
  assert.deepEqual(occupiedVoxels(v, g, 0.5, 0.1), { x: [1], y: [5], z: [5] });
});

test("renderVolumes draws depth downwards and turns about the depth axis", () => {
  const v = rodWithBranch();
  const front = renderVolumes([{ data: v, grid: g, color: [255, 0, 0] }], 0, { size: 64 });
  const side = renderVolumes([{ data: v, grid: g, color: [255, 0, 0] }], Math.PI / 2, { size: 64 });
  const inked = (img: typeof front, row: number) => {
    let n = 0;
    for (let x = 0; x < img.width; x++) if (img.pixels[(row * img.width + x) * 4 + 1]! < 200) n++;
    return n;
  };
  const branchRow = Math.floor(32 + (4 - 7.5) * (64 / (g * Math.SQRT2)));
  assert.ok(inked(front, branchRow) > 3 * inked(side, branchRow), "the branch is wide from the front and edge-on from the side");
  assert.ok(inked(front, 63) === 0 && inked(front, 0) === 0, "nothing outside the rod's extent");
});

test("volumeSlice shows x across and y down", () => {
  const v = rodWithBranch();
  const img = volumeSlice(v, g, 8, { zoom: 1 });
  assert.equal(img.pixels[4 * g + 3], 255, "branch voxel (x=3, y=4)");
  assert.equal(img.pixels[10 * g + 8], 255, "rod voxel (x=8, y=10)");
  assert.equal(img.pixels[10 * g + 3], 0);
  assert.throws(() => volumeSlice(v, g, 16), /slice 16 outside 0\.\.15/);
});

test("figures carry the numbers they show", () => {
  const truth = rodWithBranch();
  const pred = Float32Array.from(truth, (t) => (t ? 0.8 : 0.3));
  const fig = reconstructionFigure(pred, truth, g);
  assert.match(String(fig.data[1]!.name), /IoU 1\.000, F1 1\.000/);
  const curves = thresholdCurvesFigure({ thresholds: [0.1, 0.5, 0.9], train: [0.5, 0.8, 0.6], validation: [0.4, 0.7, 0.75], metric: "F1" });
  assert.deepEqual(curves.data[2]!.x, [0.9], "best validation threshold marked");
  const hist = predictionHistogramFigure(pred, 0.55);
  assert.equal((hist.data[0]!.x as number[]).length, truth.filter((t) => t).length, "only values above the 0.4 floor");
  assert.ok(rotatingGif(pred, truth, g, { frames: 4, size: 32 }).length > 100);
});
