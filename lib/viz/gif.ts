import { Image, toRgba } from "./image";

// gifenc ships no type declarations; this is the part of its API used here.
interface GifEncoderInstance {
  writeFrame(index: Uint8Array, width: number, height: number, opts: { palette?: number[][]; delay?: number; repeat?: number }): void;
  finish(): void;
  bytes(): Uint8Array;
}
const gifenc = require("gifenc") as {
  GIFEncoder: () => GifEncoderInstance;
  quantize: (rgba: Uint8Array, maxColors: number) => number[][];
  applyPalette: (rgba: Uint8Array, palette: number[][]) => Uint8Array;
};

export interface GifOptions {
  /** Frames per second (default 10, as the thesis GIFs). */
  fps?: number;
  /** Loop forever (default true). */
  loop?: boolean;
}

/**
 * Encodes frames as an animated GIF. Gray frames share one exact 256-level
 * gray palette; colour frames share one palette quantised from all frames,
 * so colours do not flicker between frames.
 */
export function encodeGif(frames: Image[], options: GifOptions = {}): Uint8Array {
  if (frames.length === 0) throw new RangeError("encodeGif: no frames");
  const { width, height } = frames[0]!;
  for (const [i, f] of frames.entries()) {
    if (f.width !== width || f.height !== height) {
      throw new RangeError(`encodeGif: frame ${i} is ${f.width}x${f.height}, expected ${width}x${height} like frame 0`);
    }
  }
  const fps = options.fps ?? 10;
  const delay = Math.round(1000 / fps);
  const repeat = options.loop === false ? -1 : 0;
  const gif = gifenc.GIFEncoder();
  const allGray = frames.every((f) => f.channels === 1);
  let palette: number[][];
  if (allGray) {
    palette = Array.from({ length: 256 }, (_, v) => [v, v, v]);
  } else {
    const rgba = frames.map(toRgba);
    const sample = new Uint8Array(rgba.reduce((n, f) => n + f.pixels.length, 0));
    let o = 0;
    for (const f of rgba) {
      sample.set(f.pixels, o);
      o += f.pixels.length;
    }
    palette = gifenc.quantize(sample, 256);
  }
  frames.forEach((f, i) => {
    const index = allGray ? f.pixels : gifenc.applyPalette(toRgba(f).pixels, palette);
    gif.writeFrame(index, width, height, { palette: i === 0 ? palette : undefined, delay, repeat });
  });
  gif.finish();
  return gif.bytes();
}
