/**
 * `npx tsx bench/conv-layers.ts`: times every 3×3×3 convolution layer of the
 * AE-64, AE-128 and VGG3D encoders (batch 1, real sizes) with the direct
 * kernel and with Winograd F(2³,3³) and F(4³,3³), forward, input gradient and
 * filter gradient, and prints each time with the equivalent GFLOP/s of a direct convolution
 * (2·27·Cin·Cout per output voxel), the largest difference from the direct
 * result relative to its largest value, and the tile the engine picks
 * (lib/engine/winograd-choice.ts). This is the measurement the choice rests on.
 *
 *   npx tsx bench/conv-layers.ts [--only ae64,vgg3d,ae128] [--repeats N] [--block T]
 */
import { parseArgs } from "node:util";
import { Random } from "../lib/core";
import { conv3dFilterGradient, conv3dForward, unpad, type KernelResult, type Padding3, type Shape5 } from "../lib/engine/conv3d";
import { conv3dWinograd, conv3dWinogradFilterGradient, type WinogradTile } from "../lib/engine/winograd";
import { winogradGradientTile, winogradTile } from "../lib/engine/winograd-choice";
import { kernelPool } from "../lib/engine/threads";

interface Layer {
  net: string;
  side: number;
  cin: number;
  cout: number;
}

function autoencoderLayers(net: string, grid: number, channels: number[]): Layer[] {
  const layers: Layer[] = [{ net, side: grid, cin: channels[0]!, cout: channels[0]! }];
  for (let i = 0; i + 1 < channels.length; i++) {
    const side = grid >> (i + 1);
    layers.push({ net, side, cin: channels[i]!, cout: channels[i + 1]! }, { net, side, cin: channels[i + 1]!, cout: channels[i + 1]! });
  }
  return layers;
}

const NETS: Record<string, Layer[]> = {
  ae64: autoencoderLayers("ae64", 64, [32, 64, 128, 256]),
  vgg3d: [
    { net: "vgg3d", side: 80, cin: 24, cout: 24 },
    { net: "vgg3d", side: 40, cin: 24, cout: 48 },
    { net: "vgg3d", side: 40, cin: 48, cout: 48 },
    { net: "vgg3d", side: 20, cin: 48, cout: 96 },
    { net: "vgg3d", side: 20, cin: 96, cout: 96 },
    { net: "vgg3d", side: 10, cin: 96, cout: 192 },
    { net: "vgg3d", side: 10, cin: 192, cout: 192 },
  ],
  ae128: autoencoderLayers("ae128", 128, [32, 64, 128, 256, 512]),
};

const SAME: Padding3 = { front: 1, back: 1, top: 1, bottom: 1, left: 1, right: 1 };

function randn(n: number, seed: number): Float32Array {
  const rng = new Random(seed);
  return Float32Array.from({ length: n }, () => rng.normal());
}

const PASSES = ["forward", "dx", "dW"] as const;

/** The fastest of `repeats` runs after one warm-up, and its result. */
function best(repeats: number, run: () => KernelResult | Float32Array): { seconds: number; out: Float32Array } {
  const copy = (r: KernelResult | Float32Array): Float32Array => (r instanceof Float32Array ? r : unpad(r));
  let out = copy(run());
  let seconds = Infinity;
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    const r = run();
    seconds = Math.min(seconds, (performance.now() - t0) / 1000);
    out = copy(r);
  }
  return { seconds, out };
}

function relativeError(got: Float32Array, ref: Float32Array): number {
  let scale = 0;
  let err = 0;
  for (let i = 0; i < ref.length; i++) {
    scale = Math.max(scale, Math.abs(ref[i]!));
    err = Math.max(err, Math.abs(ref[i]! - got[i]!));
  }
  return err / scale;
}

function main(): void {
  const { values } = parseArgs({
    options: { only: { type: "string", default: "ae64,vgg3d" }, repeats: { type: "string", default: "2" }, block: { type: "string" } },
  });
  const repeats = Number(values.repeats);
  const blockTiles = values.block === undefined ? undefined : Number(values.block);
  const nets = values.only.split(",");
  for (const n of nets) if (!NETS[n]) throw new Error(`--only: unknown network ${n}; expected some of ${Object.keys(NETS).join(", ")}`);
  console.log(`${kernelPool().threads} threads; seconds (direct-equivalent GFLOP/s), error relative to the direct result`);
  console.log("layer                      pass      direct            F(2)                        F(4)                        picked");
  for (const layer of nets.flatMap((n) => NETS[n]!)) {
    const { side, cin, cout } = layer;
    for (const pass of PASSES) {
      const adjoint = pass === "dx";
      // The input gradient correlates dy (cout channels) with the flipped filter into cin channels.
      const c1 = adjoint ? cout : cin;
      const c2 = adjoint ? cin : cout;
      const xShape: Shape5 = [1, side, side, side, c1];
      const fShape: Shape5 = [3, 3, 3, cin, cout];
      const dyShape: Shape5 = [1, side, side, side, cout];
      const x = randn(side ** 3 * c1, 1);
      const f = randn(27 * cin * cout, 2);
      const dy = randn(side ** 3 * cout, 3);
      const gflop = (2 * 27 * c1 * c2 * side ** 3) / 1e9;
      const show = (s: number): string => `${s.toFixed(4)} (${(gflop / s).toFixed(1).padStart(5)})`;
      const run = (tile: WinogradTile | null): KernelResult | Float32Array => {
        if (pass === "dW")
          return tile === null
            ? conv3dFilterGradient(x, xShape, dy, dyShape, [3, 3, 3], 1, SAME)
            : conv3dWinogradFilterGradient(x, xShape, dy, dyShape, SAME, { tile, blockTiles });
        return tile === null
          ? conv3dForward(x, xShape, f, fShape, 1, SAME, adjoint)
          : conv3dWinograd(x, xShape, f, fShape, SAME, adjoint, { tile, blockTiles });
      };
      const direct = best(repeats, () => run(null));
      const cells = ([2, 4] as WinogradTile[]).map((tile) => {
        const w = best(repeats, () => run(tile));
        return `${show(w.seconds)} ${relativeError(w.out, direct.out).toExponential(1)}`;
      });
      const out: [number, number, number] = [side, side, side];
      const picked = pass === "dW" ? winogradGradientTile(xShape, fShape, out, 1) : winogradTile(xShape, fShape, out, 1, adjoint);
      const name = `${layer.net} ${side}³ ${cin}->${cout}`.padEnd(26);
      console.log(
        `${name} ${pass.padEnd(7)}   ${show(direct.seconds)}   ${cells.join("   ")}   ${picked === null ? "direct" : `F(${picked})`}`,
      );
    }
  }
  process.exit(0);
}

main();
