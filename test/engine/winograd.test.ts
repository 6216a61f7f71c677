import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { Random } from "../../lib/core";
import { initEngine, installFastKernels, uninstallFastKernels, fastKernelStats } from "../../lib/engine";
import { conv3dFilterGradient, conv3dForward, unpad, type Padding3, type Shape5 } from "../../lib/engine/conv3d";
import { conv3dWinograd, conv3dWinogradFilterGradient, filterGradientPlan, tileCount } from "../../lib/engine/winograd";
import { WINOGRAD_ENV, winogradGradientTile, winogradTile } from "../../lib/engine/winograd-choice";
import { withEnv } from "../helpers/env";
import { assertClose, randn, referenceValues, values } from "../helpers/kernel-reference";

/**
 * The channel pairs of every 3×3×3 convolution of the autoencoders (Dense
 * and nLat are one network; 64 and 128 share all pairs but the last two)
 * and of VGG3D, each at a reduced, uneven size: neither F(2) nor F(4) tiles
 * divide it, so every run has partial tiles on every axis.
 */
const LAYERS: ReadonlyArray<{ net: string; cin: number; cout: number }> = [
  { net: "autoencoder stem", cin: 1, cout: 32 },
  { net: "autoencoder stem", cin: 32, cout: 32 },
  { net: "autoencoder block 1", cin: 32, cout: 64 },
  { net: "autoencoder block 1", cin: 64, cout: 64 },
  { net: "autoencoder block 2", cin: 64, cout: 128 },
  { net: "autoencoder block 2", cin: 128, cout: 128 },
  { net: "autoencoder block 3", cin: 128, cout: 256 },
  { net: "autoencoder block 3", cin: 256, cout: 256 },
  { net: "AE-128 block 4", cin: 256, cout: 512 },
  { net: "AE-128 block 4", cin: 512, cout: 512 },
  { net: "VGG3D block 1", cin: 1, cout: 24 },
  { net: "VGG3D block 1", cin: 24, cout: 24 },
  { net: "VGG3D block 2", cin: 24, cout: 48 },
  { net: "VGG3D block 2", cin: 48, cout: 48 },
  { net: "VGG3D block 3", cin: 48, cout: 96 },
  { net: "VGG3D block 3", cin: 96, cout: 96 },
  { net: "VGG3D block 4", cin: 96, cout: 192 },
  { net: "VGG3D block 4", cin: 192, cout: 192 },
];

/** Batch and extents per channel count: smaller where the reference (tfjs' JavaScript kernels) gets slow. */
function sizeFor(cin: number, cout: number): [number, number, number, number] {
  const pairs = cin * cout;
  if (pairs <= 64 * 64) return [2, 9, 7, 6];
  if (pairs <= 192 * 192) return [1, 6, 7, 5];
  return [1, 5, 4, 6];
}

const conv = (x: tf.Tensor, w: tf.Tensor): tf.Tensor => tf.conv3d(x as tf.Tensor5D, w as tf.Tensor5D, 1, "same");

/** The forward output and the input gradient of sum(conv(x, w) * r). */
function forwardAndInputGradient(x: tf.Tensor, w: tf.Tensor, r: tf.Tensor): tf.Tensor[] {
  return [conv(x, w), tf.grad((a: tf.Tensor) => conv(a, w).mul(r).sum())(x)];
}

/** The forward output, the input gradient and the filter gradient of sum(conv(x, w) * r). */
function allPasses(x: tf.Tensor, w: tf.Tensor, r: tf.Tensor): tf.Tensor[] {
  return [...forwardAndInputGradient(x, w, r), tf.grad((f: tf.Tensor) => conv(x, f).mul(r).sum())(w)];
}

const PASS_NAMES = ["forward", "input gradient", "filter gradient"];

/** Runs `fn` with WORKBENCH_WINOGRAD set to `setting`. */
const withSetting = <T>(setting: string, fn: () => T): T => withEnv({ [WINOGRAD_ENV]: setting }, fn);

const identical = (a: Float32Array, b: Float32Array): boolean => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

describe("Winograd 3x3x3 convolutions on the wasm backend", () => {
  before(async () => {
    await initEngine({ backend: "wasm", quiet: true });
    installFastKernels("wasm");
  });

  for (const { net, cin, cout } of LAYERS) {
    const [batch, d, h, w] = sizeFor(cin, cout);
    test(`${net} ${cin} -> ${cout} at ${batch}x${d}x${h}x${w}: forward, input and filter gradient, F(2), F(4) and the engine's choice, within 1e-4 of tfjs`, async () => {
      const x = randn([batch, d, h, w, cin], cin * 1000 + cout);
      const f = randn([3, 3, 3, cin, cout], cin + cout);
      const r = randn([batch, d, h, w, cout], 7);
      const fn = (): tf.Tensor[] => allPasses(x, f, r);
      const ref = await referenceValues("wasm", fn);
      const before = fastKernelStats();
      const runs = Object.fromEntries(["0", "2", "4", "auto"].map((s) => [s, withSetting(s, () => values(fn))]));
      const after = fastKernelStats();
      for (const k of ["Conv3D", "Conv3DBackpropInputV2", "Conv3DBackpropFilterV2"])
        assert.ok((after[k]?.fast ?? 0) >= (before[k]?.fast ?? 0) + 4, `${k} did not run on the fast path`);
      for (const [setting, outs] of Object.entries(runs))
        PASS_NAMES.forEach((pass, i) => assertClose(outs[i]!, ref[i]!, `${pass}, ${WINOGRAD_ENV}=${setting}`));
      // Different algorithms round differently: equal bits would mean a tile setting was not used.
      const passes = cin % 4 === 0 ? [0, 1, 2] : [1];
      for (const i of passes) {
        assert.ok(!identical(runs["2"]![i]!, runs["0"]![i]!), `${PASS_NAMES[i]}: F(2) gave the direct kernel's bits`);
        assert.ok(!identical(runs["4"]![i]!, runs["0"]![i]!), `${PASS_NAMES[i]}: F(4) gave the direct kernel's bits`);
        assert.ok(!identical(runs["4"]![i]!, runs["2"]![i]!), `${PASS_NAMES[i]}: F(4) gave F(2)'s bits`);
      }
      tf.dispose([x, f, r]);
    });
  }

  test("a whole VGG3D block-1 layer (24 -> 24) at 20x18x17, batch 2: many blocks of tiles per thread", async () => {
    const x = randn([2, 20, 18, 17, 24], 11);
    const f = randn([3, 3, 3, 24, 24], 12);
    const r = randn([2, 20, 18, 17, 24], 13);
    const fn = (): tf.Tensor[] => allPasses(x, f, r);
    const ref = await referenceValues("wasm", fn);
    for (const setting of ["2", "4"]) {
      const outs = withSetting(setting, () => values(fn));
      PASS_NAMES.forEach((pass, i) => assertClose(outs[i]!, ref[i]!, `${pass}, F(${setting})`));
    }
    tf.dispose([x, f, r]);
  });

  test("the result does not depend on how many tiles a block holds (1, 5 or the default) and needs no padding beyond 'valid'", () => {
    const rng = new Random(5);
    const xShape: Shape5 = [2, 7, 9, 6, 8];
    const fShape: Shape5 = [3, 3, 3, 8, 16];
    const x = Float32Array.from({ length: 2 * 7 * 9 * 6 * 8 }, () => rng.normal());
    const f = Float32Array.from({ length: 27 * 8 * 16 }, () => rng.normal());
    for (const pad of [
      { front: 1, back: 1, top: 1, bottom: 1, left: 1, right: 1 },
      { front: 0, back: 0, top: 0, bottom: 0, left: 0, right: 0 },
    ] satisfies Padding3[]) {
      const direct = unpad(conv3dForward(x, xShape, f, fShape, 1, pad));
      for (const tile of [2, 4] as const) {
        const byBlock = [1, 5, undefined].map((blockTiles) =>
          unpad(conv3dWinograd(x, xShape, f, fShape, pad, false, { tile, blockTiles })),
        );
        assert.ok(
          identical(byBlock[0]!, byBlock[1]!) && identical(byBlock[0]!, byBlock[2]!),
          `F(${tile}): blocks of 1, 5 and the default differ`,
        );
        assertClose(byBlock[0]!, direct, `F(${tile}) against the direct kernel, padding ${pad.front}`);
      }
    }
  });

  test("the filter gradient is the same bits for any block size, on either of its two ways (few tiles: all transforms kept; many: chunks of tiles)", () => {
    const same: Padding3 = { front: 1, back: 1, top: 1, bottom: 1, left: 1, right: 1 };
    // 2x7x9x6 keeps every transform; 1x44x44x44 at 32 -> 32 channels has too many tiles for that (over 64 MiB of transforms).
    for (const [xShape, c2] of [
      [[2, 7, 9, 6, 8], 16],
      [[1, 44, 44, 44, 32], 32],
    ] as Array<[Shape5, number]>) {
      const rng = new Random(xShape[1]);
      const dyShape: Shape5 = [...(xShape.slice(0, 4) as [number, number, number, number]), c2];
      const x = Float32Array.from({ length: xShape.reduce((a, b) => a * b) }, () => rng.normal());
      const dy = Float32Array.from({ length: dyShape.reduce((a, b) => a * b) }, () => rng.normal());
      const direct = conv3dFilterGradient(x, xShape, dy, dyShape, [3, 3, 3], 1, same);
      for (const tile of [2, 4] as const) {
        const tiles = tileCount(tile, xShape[0], [xShape[1], xShape[2], xShape[3]]);
        assert.equal(
          filterGradientPlan(tile, tiles, xShape[4], c2).keepAll,
          xShape[1] === 7,
          `F(${tile}) ${xShape.join("x")}: the way taken`,
        );
        const byBlock = [1, 5, undefined].map((blockTiles) =>
          conv3dWinogradFilterGradient(x, xShape, dy, dyShape, same, { tile, blockTiles }),
        );
        assert.ok(
          identical(byBlock[0]!, byBlock[1]!) && identical(byBlock[0]!, byBlock[2]!),
          `F(${tile}) ${xShape.join("x")}: blocks differ`,
        );
        assertClose(byBlock[0]!, direct, `F(${tile}) ${xShape.join("x")} against the direct kernel`);
      }
    }
  });

  test("a sample gives the same bits alone and in a batch, whichever tile the engine picks (sharded embeddings rely on it)", () => {
    for (const [side, cin, cout] of [
      [8, 128, 256],
      [10, 96, 192],
      [6, 32, 32],
    ] as const) {
      const x = randn([3, side, side, side, cin], side + cin);
      const f = randn([3, 3, 3, cin, cout], cout);
      const r = randn([1, side, side, side, cout], 3);
      const one = (a: tf.Tensor): tf.Tensor[] => forwardAndInputGradient(a, f, r);
      const [batched] = values(() => [conv(x, f).slice(0, 1)]);
      const [alone, aloneDx] = values(() => one(x.slice(0, 1)));
      const [batchedDx] = values(() => [
        tf
          .grad((a: tf.Tensor) =>
            conv(a, f)
              .mul(tf.concat([r, r, r]))
              .sum(),
          )(x)
          .slice(0, 1),
      ]);
      assert.ok(identical(batched!, alone!), `${side}³ ${cin}->${cout}: forward of sample 0 differs between batch 3 and batch 1`);
      assert.ok(
        identical(batchedDx!, aloneDx!),
        `${side}³ ${cin}->${cout}: input gradient of sample 0 differs between batch 3 and batch 1`,
      );
      tf.dispose([x, f, r]);
    }
  });

  test("the choice: direct where Winograd cannot run, a tile where it can, and the setting overrides it", () => {
    const same: [number, number, number] = [16, 16, 16];
    assert.equal(winogradTile([1, 16, 16, 16, 1], [3, 3, 3, 1, 32], same, 1, false), null, "1 input channel");
    assert.equal(winogradTile([1, 16, 16, 16, 32], [1, 1, 1, 32, 32], same, 1, false), null, "1x1x1 filter");
    assert.equal(winogradTile([1, 16, 16, 16, 32], [3, 3, 3, 32, 32], [8, 8, 8], 2, false), null, "stride 2");
    assert.notEqual(winogradTile([1, 64, 64, 64, 32], [3, 3, 3, 32, 32], [64, 64, 64], 1, false), null, "AE-64 stem");
    withSetting("0", () => assert.equal(winogradTile([1, 64, 64, 64, 32], [3, 3, 3, 32, 32], [64, 64, 64], 1, false), null));
    withSetting("2", () => assert.equal(winogradTile([1, 64, 64, 64, 32], [3, 3, 3, 32, 32], [64, 64, 64], 1, false), 2));
    withSetting("fast", () =>
      assert.throws(() => winogradTile([1, 8, 8, 8, 32], [3, 3, 3, 32, 32], [8, 8, 8], 1, false), /WORKBENCH_WINOGRAD=fast/),
    );
  });

  test("the filter gradient's choice: by the output's shortest axis, direct where Winograd cannot run or its sums would not fit", () => {
    const f32: Shape5 = [3, 3, 3, 32, 32];
    assert.equal(winogradGradientTile([2, 64, 64, 64, 32], f32, [64, 64, 64], 1), 4, "AE-64 stem");
    assert.equal(winogradGradientTile([2, 8, 8, 8, 256], [3, 3, 3, 256, 256], [8, 8, 8], 1), 2, "AE-64 block 3");
    assert.equal(winogradGradientTile([2, 2, 2, 2, 32], f32, [2, 2, 2], 1), null, "2³: tiles nearly empty");
    assert.equal(winogradGradientTile([2, 64, 64, 64, 1], [3, 3, 3, 1, 32], [64, 64, 64], 1), null, "1 input channel");
    assert.equal(winogradGradientTile([2, 64, 64, 64, 32], [3, 3, 3, 32, 32], [32, 32, 32], 2), null, "stride 2");
    // 512 channels on 16³ at batch 8: too many tiles to keep, and 8 copies of dU are 1.8 GiB (F(4)) or 0.5 GiB (F(2)).
    const deep: Shape5 = [8, 16, 16, 16, 512];
    assert.equal(winogradGradientTile(deep, [3, 3, 3, 512, 512], [16, 16, 16], 1), null, "AE-128 block 4, batch 8");
    withSetting("4", () =>
      assert.equal(winogradGradientTile(deep, [3, 3, 3, 512, 512], [16, 16, 16], 1), null, "forced F(4) past the cap"),
    );
    withSetting("4", () => assert.equal(winogradGradientTile([2, 8, 8, 8, 256], [3, 3, 3, 256, 256], [8, 8, 8], 1), 4));
    withSetting("0", () => assert.equal(winogradGradientTile([2, 64, 64, 64, 32], f32, [64, 64, 64], 1), null));
  });

  test("kernel argument checks name what is wrong", () => {
    const pad: Padding3 = { front: 1, back: 1, top: 1, bottom: 1, left: 1, right: 1 };
    const x = new Float32Array(4 * 4 * 4 * 6);
    assert.throws(
      () => conv3dWinograd(x, [1, 4, 4, 4, 6], new Float32Array(27 * 6 * 8), [3, 3, 3, 6, 8], pad, false, { tile: 2 }),
      /multiple of 4, got 6/,
    );
    assert.throws(
      () => conv3dWinograd(x, [1, 4, 4, 4, 6], new Float32Array(8 * 6 * 8), [2, 2, 2, 6, 8], pad, false, { tile: 2 }),
      /not 3x3x3/,
    );
  });

  after(() => uninstallFastKernels("wasm"));
});
