import type { Image } from "./image";

/**
 * Software rendering of voxel volumes into images, for GIFs that need no
 * browser: a shaded orthographic view from any angle around the depth axis,
 * and slices. Volumes are cubes of side `grid`, indexed [x][y][z] (x-major:
 * index (x·g + y)·g + z) as docs/neurons.md ("Voxelisation") says; y is cortical depth and is drawn
 * downwards.
 */
export interface VolumeView {
  data: ArrayLike<number>;
  grid: number;
  /** Voxels above this value are drawn (default 0.5). */
  threshold?: number;
  /** RGB of the voxels. */
  color: [number, number, number];
}

function checkVolume(v: VolumeView): void {
  if (v.data.length !== v.grid ** 3)
    throw new RangeError(`volume render: expected ${v.grid}³ = ${v.grid ** 3} values, found ${v.data.length}`);
}

/**
 * Renders volumes from the same viewpoint into one image (later volumes are
 * drawn over earlier ones where they are nearer), rotated by `angle` radians
 * about the depth (y) axis. Nearer voxels are brighter.
 */
export function renderVolumes(views: VolumeView[], angle: number, options: { size?: number; background?: number } = {}): Image {
  const grid = views[0]!.grid;
  views.forEach(checkVolume);
  const size = options.size ?? grid * 3;
  const bg = options.background ?? 255;
  const pixels = new Uint8Array(size * size * 4);
  for (let i = 0; i < size * size; i++) pixels.set([bg, bg, bg, 255], i * 4);
  const depth = new Float32Array(size * size).fill(-Infinity);
  const c = (grid - 1) / 2;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  // The rotated cube's projection fits in grid·√2; scale it to the image.
  const scale = size / (grid * Math.SQRT2);
  const splat = Math.max(1, Math.ceil(scale));
  for (const v of views) {
    const thr = v.threshold ?? 0.5;
    for (let x = 0; x < grid; x++) {
      for (let y = 0; y < grid; y++) {
        const row = (x * grid + y) * grid;
        for (let z = 0; z < grid; z++) {
          if (!(v.data[row + z]! > thr)) continue;
          const dx = x - c;
          const dz = z - c;
          const u = dx * cos + dz * sin;
          const d = -dx * sin + dz * cos;
          const px = Math.floor(size / 2 + u * scale - splat / 2);
          const py = Math.floor(size / 2 + (y - c) * scale - splat / 2);
          const shade = 0.45 + 0.55 * (0.5 + d / (grid * Math.SQRT2));
          for (let oy = 0; oy < splat; oy++) {
            const yy = py + oy;
            if (yy < 0 || yy >= size) continue;
            for (let ox = 0; ox < splat; ox++) {
              const xx = px + ox;
              if (xx < 0 || xx >= size) continue;
              const k = yy * size + xx;
              if (d <= depth[k]!) continue;
              depth[k] = d;
              pixels[k * 4] = Math.round(v.color[0] * shade);
              pixels[k * 4 + 1] = Math.round(v.color[1] * shade);
              pixels[k * 4 + 2] = Math.round(v.color[2] * shade);
            }
          }
        }
      }
    }
  }
  return { width: size, height: size, channels: 4, pixels };
}

/**
 * The slice z = k of a volume as a gray image (x across, y down), values in
 * [lo, hi] mapped to black..white, each voxel drawn `zoom` pixels wide.
 */
export function volumeSlice(
  data: ArrayLike<number>,
  grid: number,
  k: number,
  options: { zoom?: number; lo?: number; hi?: number } = {},
): Image {
  if (data.length !== grid ** 3) throw new RangeError(`volumeSlice: expected ${grid ** 3} values, found ${data.length}`);
  if (!(k >= 0 && k < grid)) throw new RangeError(`volumeSlice: slice ${k} outside 0..${grid - 1}`);
  const zoom = options.zoom ?? 2;
  const lo = options.lo ?? 0;
  const hi = options.hi ?? 1;
  const size = grid * zoom;
  const pixels = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const v = data[(Math.floor(x / zoom) * grid + Math.floor(y / zoom)) * grid + k]!;
      pixels[y * size + x] = Math.max(0, Math.min(255, Math.round(((v - lo) / (hi - lo)) * 255)));
    }
  }
  return { width: size, height: size, channels: 1, pixels };
}
