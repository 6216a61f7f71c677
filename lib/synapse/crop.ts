import { ConfigError, withDefaults } from "../core";
import type { SynapseBox } from "./box";
import { closestComponent } from "./components";
import type { Finding } from "./findings";
import type { SynapseRecord } from "./table";
import { inside, volumeIndex } from "./volume";

/** The segmentation types (docs/synapses.md, "Segmentation types"): which voxels keep their raw value. */
export const SEGMENTATION_TYPES: Readonly<Record<number, string>> = {
  0: "raw",
  1: "presynapse",
  2: "postsynapse",
  3: "both partners",
  4: "closest vesicle cloud + closest cleft",
  5: "both partners + vesicle cloud + cleft",
  6: "vesicle cloud",
  7: "cleft",
  8: "closest mitochondrion",
  9: "vesicle cloud + cleft",
  10: "cleft + presynapse",
};

export interface CropOptions {
  /** Side of the cube cut around the cleft centre (default 80). */
  size?: number;
  /** Side of each slice after resizing (default 80; equal to size means no resizing). */
  outputSize?: number;
  /** Segmentation type 0–10 (default 0, raw). */
  segType?: number;
  /** Blending outside the mask: α·gray + (1−α)·raw (default 1, flat gray). */
  alpha?: number;
  /** Gray level outside the mask (default 0.6). */
  gray?: number;
}

const DEFAULTS: Required<CropOptions> = { size: 80, outputSize: 80, segType: 0, alpha: 1, gray: 0.6 };

/** One synapse's crop: every array is `[z][y][x]`, x fastest. */
export interface SynapseCrop {
  box: string;
  name: string;
  segType: number;
  alpha: number;
  /** Cube side before resizing, and slice side after (depth stays `size`). */
  size: number;
  outputSize: number;
  /** Raw intensities in [0, 1] (0 where the cube leaves the volume). */
  raw: Float32Array;
  /** 1 where the segmentation type keeps the raw value. */
  mask: Uint8Array;
  /** The network input: raw inside the mask, blended with gray outside. */
  blended: Float32Array;
  presynapticSide: 1 | 2;
  /** Voxels of each part inside the cube, for reports. */
  voxels: { side1: number; side2: number; vesicle: number; cleft: number; mito: number };
  record: SynapseRecord;
}

/** The options with their defaults, each checked: a value no crop can take is refused before any work. */
export function resolveCropOptions(options: CropOptions = {}): Required<CropOptions> {
  const o: Required<CropOptions> = withDefaults(DEFAULTS, options);
  checkOptions(o);
  return o;
}

function checkOptions(o: Required<CropOptions>): void {
  if (!Number.isInteger(o.segType) || !(o.segType in SEGMENTATION_TYPES)) {
    throw new ConfigError(`segType: expected one of ${Object.keys(SEGMENTATION_TYPES).join(", ")}, found ${o.segType}`);
  }
  if (!(o.alpha >= 0 && o.alpha <= 1)) throw new ConfigError(`alpha: expected a number in [0, 1], found ${o.alpha}`);
  if (!(o.gray >= 0 && o.gray <= 1)) throw new ConfigError(`gray: expected a number in [0, 1], found ${o.gray}`);
  if (!Number.isInteger(o.size) || o.size < 2) throw new ConfigError(`size: expected an integer >= 2, found ${o.size}`);
  if (!Number.isInteger(o.outputSize) || o.outputSize < 2)
    throw new ConfigError(`outputSize: expected an integer >= 2, found ${o.outputSize}`);
}

function count(m: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < m.length; i++) n += m[i]!;
  return n;
}

function or(...masks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(masks[0]!.length);
  for (const m of masks) for (let i = 0; i < out.length; i++) out[i] = out[i]! | m[i]!;
  return out;
}

/** Bilinear resize of each z slice from `from`×`from` to `to`×`to` (pixel centres aligned). */
export function resizeSlices(values: Float32Array, from: number, to: number, depth: number): Float32Array {
  if (from === to) return values;
  const out = new Float32Array(to * to * depth);
  const scale = from / to;
  for (let z = 0; z < depth; z++) {
    const src = z * from * from;
    for (let y = 0; y < to; y++) {
      const sy = Math.min(Math.max((y + 0.5) * scale - 0.5, 0), from - 1);
      const y0 = Math.floor(sy);
      const y1 = Math.min(y0 + 1, from - 1);
      const fy = sy - y0;
      for (let x = 0; x < to; x++) {
        const sx = Math.min(Math.max((x + 0.5) * scale - 0.5, 0), from - 1);
        const x0 = Math.floor(sx);
        const x1 = Math.min(x0 + 1, from - 1);
        const fx = sx - x0;
        const a = values[src + y0 * from + x0]! * (1 - fx) + values[src + y0 * from + x1]! * fx;
        const b = values[src + y1 * from + x0]! * (1 - fx) + values[src + y1 * from + x1]! * fx;
        out[(z * to + y) * to + x] = a * (1 - fy) + b * fy;
      }
    }
  }
  return out;
}

/** Nearest-neighbour resize of mask slices (a mask stays 0/1). */
function resizeMask(values: Uint8Array, from: number, to: number, depth: number): Uint8Array {
  if (from === to) return values;
  const out = new Uint8Array(to * to * depth);
  for (let z = 0; z < depth; z++) {
    for (let y = 0; y < to; y++) {
      const sy = Math.min(from - 1, Math.floor(((y + 0.5) * from) / to));
      for (let x = 0; x < to; x++) {
        const sx = Math.min(from - 1, Math.floor(((x + 0.5) * from) / to));
        out[(z * to + y) * to + x] = values[(z * from + sy) * from + sx]!;
      }
    }
  }
  return out;
}

/**
 * Cuts the cube around a synapse's cleft centre and builds the network input
 * of the chosen segmentation type. The cube spans centre − size/2 … centre +
 * size/2 − 1 on each axis, so the centre is always voxel (size/2, size/2,
 * size/2) of the crop; parts outside the volume are clipped and padded with 0
 * (black raw, no label). Problems with this synapse come back as findings.
 */
export function cropSynapse(box: SynapseBox, s: SynapseRecord, options: CropOptions = {}): { crop: SynapseCrop; findings: Finding[] } {
  const o = resolveCropOptions(options);
  const findings: Finding[] = [];
  const warn = (field: string, message: string) => findings.push({ level: "warning", box: box.name, synapse: s.name, field, message });
  const n = o.size;
  const half = Math.floor(n / 2);
  const [cx, cy, cz] = s.centre;
  const x0 = cx - half;
  const y0 = cy - half;
  const z0 = cz - half;
  const [lo, hi] = box.rawRange;
  const raw = new Float32Array(n * n * n);
  const seg = new Float64Array(n * n * n);
  const lab = new Float64Array(n * n * n);
  for (let z = 0; z < n; z++) {
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        const gx = x0 + x;
        const gy = y0 + y;
        const gz = z0 + z;
        if (!inside(box.raw, gx, gy, gz)) continue;
        const g = volumeIndex(box.raw, gx, gy, gz);
        const i = (z * n + y) * n + x;
        raw[i] = (box.raw.data[g]! - lo) / (hi - lo);
        seg[i] = box.seg.data[g]!;
        lab[i] = box.masks.data[g]!;
      }
    }
  }
  const dims = { width: n, height: n, depth: n };
  const centre: [number, number, number] = [half, half, half];
  const partner = (side: [number, number, number], which: string): Uint8Array => {
    const id = box.seg.data[volumeIndex(box.seg, ...side)]!;
    const m = new Uint8Array(n * n * n);
    if (id === 0) {
      warn(which, `segment id at (${side.join(", ")}) is 0 (background): this partner is empty`);
      return m;
    }
    for (let i = 0; i < m.length; i++) m[i] = seg[i] === id ? 1 : 0;
    return m;
  };
  const side1 = partner(s.side1, "side_1_coord_1..3");
  const side2 = partner(s.side2, "side_2_coord_1..3");
  if (box.seg.data[volumeIndex(box.seg, ...s.side1)] === box.seg.data[volumeIndex(box.seg, ...s.side2)] && count(side1) > 0) {
    warn("side_2_coord_1..3", "both side points lie in the same segment");
  }
  // Each label value (e.g. the two cleft labels) gets its own closest component.
  const closest = (values: number[], what: string): Uint8Array => {
    const parts = values.map((v) => {
      const m = new Uint8Array(n * n * n);
      for (let i = 0; i < m.length; i++) m[i] = lab[i] === v ? 1 : 0;
      return closestComponent(m, dims, centre);
    });
    if (parts.every((c) => c.components === 0)) warn(`masks (${what} ${values.join("/")})`, `no ${what} voxels inside the ${n}³ crop`);
    return or(...parts.map((c) => c.mask));
  };
  const vesicle = closest(box.labels.vesicle, "vesicle cloud");
  const cleft = closest(box.labels.cleft, "cleft");
  const needsMito = o.segType === 8;
  const mito = needsMito ? closest(box.labels.mito, "mitochondrion") : new Uint8Array(n * n * n);
  let overlap1 = 0;
  let overlap2 = 0;
  for (let i = 0; i < vesicle.length; i++) {
    if (vesicle[i]) {
      overlap1 += side1[i]!;
      overlap2 += side2[i]!;
    }
  }
  // Ties (usually: no vesicle cloud touches either side) go to side 1, as a warning.
  const presynapticSide: 1 | 2 = overlap2 > overlap1 ? 2 : 1;
  if (overlap1 === overlap2)
    warn("presynapse", `vesicle cloud overlaps both sides equally (${overlap1} voxels): side 1 taken as presynaptic`);
  const pre = presynapticSide === 1 ? side1 : side2;
  const post = presynapticSide === 1 ? side2 : side1;
  let mask: Uint8Array;
  switch (o.segType) {
    case 0:
      mask = new Uint8Array(n * n * n).fill(1);
      break;
    case 1:
      mask = pre;
      break;
    case 2:
      mask = post;
      break;
    case 3:
      mask = or(side1, side2);
      break;
    case 4:
      mask = or(vesicle, cleft);
      break;
    case 5:
      mask = or(side1, side2, vesicle, cleft);
      break;
    case 6:
      mask = vesicle;
      break;
    case 7:
      mask = cleft;
      break;
    case 8:
      mask = mito;
      break;
    case 9:
      mask = or(vesicle, cleft);
      break;
    default:
      mask = or(cleft, pre);
  }
  const flat = o.alpha * o.gray;
  const blended = new Float32Array(raw.length);
  for (let i = 0; i < raw.length; i++) blended[i] = mask[i] ? raw[i]! : flat + (1 - o.alpha) * raw[i]!;
  const crop: SynapseCrop = {
    box: box.name,
    name: s.name,
    segType: o.segType,
    alpha: o.alpha,
    size: n,
    outputSize: o.outputSize,
    raw: resizeSlices(raw, n, o.outputSize, n),
    mask: resizeMask(mask, n, o.outputSize, n),
    blended: resizeSlices(blended, n, o.outputSize, n),
    presynapticSide,
    voxels: { side1: count(side1), side2: count(side2), vesicle: count(vesicle), cleft: count(cleft), mito: count(mito) },
    record: s,
  };
  return { crop, findings };
}
