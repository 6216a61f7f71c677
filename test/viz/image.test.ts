import { test } from "node:test";
import { decodePng } from "../helpers/png";
import * as assert from "node:assert/strict";
import { encodeGif, encodePng, grayImage, tileImages, toRgba } from "../../lib/viz";

test("grayImage maps [lo, hi] to 0..255 with clamping", () => {
  const img = grayImage([-1, 0, 0.5, 1, 2], 5, 1);
  assert.deepEqual([...img.pixels], [0, 0, 128, 255, 255]);
});

test("PNG round-trips gray and RGBA pixels exactly", () => {
  const gray = grayImage(
    Array.from({ length: 12 }, (_, i) => i / 11),
    4,
    3,
  );
  const back = decodePng(encodePng(gray));
  assert.deepEqual(back, { width: 4, height: 3, channels: 1, pixels: gray.pixels });
  const rgba = toRgba(gray);
  const back4 = decodePng(encodePng(rgba));
  assert.equal(back4.channels, 4);
  assert.deepEqual(back4.pixels, rgba.pixels);
});

test("a wrong pixel count is refused with the sizes", () => {
  assert.throws(() => encodePng({ width: 3, height: 2, channels: 1, pixels: new Uint8Array(5) }), /3x2x1 image needs 6 bytes, found 5/);
});

test("tileImages places each image at its grid cell", () => {
  const a = grayImage([1, 1, 1, 1], 2, 2);
  const b = grayImage([0, 0, 0, 0], 2, 2);
  const t = tileImages([a, b, a], 2, 1, 100);
  assert.equal(t.width, 2 * 2 + 3);
  assert.equal(t.height, 2 * 2 + 3);
  const px = (x: number, y: number) => t.pixels[(y * t.width + x) * 4]!;
  assert.equal(px(0, 0), 100, "gap");
  assert.equal(px(1, 1), 255, "image a at (0,0)");
  assert.equal(px(4, 1), 0, "image b at (1,0)");
  assert.equal(px(1, 4), 255, "image a at (0,1)");
  assert.equal(px(4, 4), 100, "empty cell keeps the background");
});

test("GIF: header, looping, 10 fps delay and one image per frame", () => {
  const frames = [0, 0.5, 1].map((v) => grayImage(new Array(16).fill(v), 4, 4));
  const gif = Buffer.from(encodeGif(frames, { fps: 10 }));
  assert.equal(gif.toString("latin1", 0, 6), "GIF89a");
  assert.equal(gif.readUInt16LE(6), 4);
  assert.equal(gif.readUInt16LE(8), 4);
  assert.ok(gif.includes(Buffer.from("NETSCAPE2.0", "latin1")), "looping extension");
  let gce = 0;
  for (let i = 0; i < gif.length - 3; i++) {
    if (gif[i] === 0x21 && gif[i + 1] === 0xf9 && gif[i + 2] === 4) {
      assert.equal(gif.readUInt16LE(i + 4), 10, "delay in centiseconds");
      gce++;
    }
  }
  assert.equal(gce, 3);
  assert.equal(gif[gif.length - 1], 0x3b, "trailer");
  const once = Buffer.from(encodeGif(frames, { fps: 10, loop: false }));
  assert.ok(!once.includes(Buffer.from("NETSCAPE2.0", "latin1")));
});

test("GIF frames of different sizes are refused", () => {
  assert.throws(() => encodeGif([grayImage([0], 1, 1), grayImage([0, 0], 2, 1)]), /frame 1 is 2x1, expected 1x1 like frame 0/);
});
