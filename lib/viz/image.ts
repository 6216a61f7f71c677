import * as zlib from "node:zlib";

/**
 * A raster image: `channels` is 1 (gray) or 4 (RGBA), values 0..255, rows
 * top to bottom. PNG and GIF writers and the notebook display all take this.
 */
export interface Image {
  width: number;
  height: number;
  channels: 1 | 4;
  pixels: Uint8Array;
}

function checkImage(img: Image, what: string): void {
  const expected = img.width * img.height * img.channels;
  if (!(img.width > 0 && img.height > 0) || img.pixels.length !== expected) {
    throw new RangeError(`${what}: ${img.width}x${img.height}x${img.channels} image needs ${expected} bytes, found ${img.pixels.length}`);
  }
}

/** Gray image from float values in [lo, hi] (clamped), e.g. an EM slice in [0, 1]. */
export function grayImage(values: ArrayLike<number>, width: number, height: number, lo = 0, hi = 1): Image {
  const pixels = new Uint8Array(width * height);
  const scale = 255 / (hi - lo || 1);
  for (let i = 0; i < pixels.length; i++) {
    const v = (values[i]! - lo) * scale;
    pixels[i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
  }
  return { width, height, channels: 1, pixels };
}

/** Expands a gray image to RGBA so colour overlays can be drawn on it. */
export function toRgba(img: Image): Image {
  if (img.channels === 4) return img;
  const out = new Uint8Array(img.width * img.height * 4);
  for (let i = 0, j = 0; i < img.pixels.length; i++, j += 4) {
    out[j] = out[j + 1] = out[j + 2] = img.pixels[i]!;
    out[j + 3] = 255;
  }
  return { width: img.width, height: img.height, channels: 4, pixels: out };
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** Encodes an image as PNG (8-bit gray or RGBA, no filtering, zlib level 6). */
export function encodePng(img: Image): Uint8Array {
  checkImage(img, "encodePng");
  const stride = img.width * img.channels;
  const raw = Buffer.alloc((stride + 1) * img.height);
  for (let y = 0; y < img.height; y++) raw.set(img.pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(img.width, 0);
  header.writeUInt32BE(img.height, 4);
  header[8] = 8;
  header[9] = img.channels === 1 ? 0 : 6;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", zlib.deflateSync(raw)),
    chunk("IEND", new Uint8Array(0)),
  ]);
}

/** Places images in a grid (row-major), `gap` pixels apart on a background gray level. */
export function tileImages(images: Image[], columns: number, gap = 2, background = 255): Image {
  if (images.length === 0) throw new RangeError("tileImages: no images");
  const rgba = images.map(toRgba);
  const cw = Math.max(...rgba.map((i) => i.width));
  const ch = Math.max(...rgba.map((i) => i.height));
  const rows = Math.ceil(rgba.length / columns);
  const width = columns * cw + (columns + 1) * gap;
  const height = rows * ch + (rows + 1) * gap;
  const pixels = new Uint8Array(width * height * 4).fill(background);
  rgba.forEach((img, k) => {
    const ox = gap + (k % columns) * (cw + gap);
    const oy = gap + Math.floor(k / columns) * (ch + gap);
    for (let y = 0; y < img.height; y++) {
      pixels.set(img.pixels.subarray(y * img.width * 4, (y + 1) * img.width * 4), ((oy + y) * width + ox) * 4);
    }
  });
  return { width, height, channels: 4, pixels };
}
