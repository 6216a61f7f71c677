import { ConfigError, Random } from "../core";

/**
 * Synthetic EM bounding boxes in the layout of the original synapse data:
 * neurons as a warped Voronoi tessellation with dark membranes, synapses on
 * the contact between two neurons (presynaptic vesicle cloud, cleft,
 * postsynaptic density, nearby mitochondria), EM-like texture and noise.
 * Synapse types differ in shape only, so clustering crops can be checked
 * against the known type.
 */
export interface SynapseType {
  name: string;
  /** Radius of the vesicle cloud in voxels. */
  vesicleRadius: number;
  /** Radius of the cleft (contact) in voxels. */
  cleftRadius: number;
  /** Postsynaptic spine head (true) or flat contact on a shaft (false). */
  spine: boolean;
  /** A mitochondrion right behind the vesicle cloud. */
  mitochondrion: boolean;
}

export const SYNTHETIC_SYNAPSE_TYPES: readonly SynapseType[] = [
  { name: "small-shaft", vesicleRadius: 6, cleftRadius: 6, spine: false, mitochondrion: false },
  { name: "large-shaft", vesicleRadius: 14, cleftRadius: 15, spine: false, mitochondrion: true },
  { name: "small-spine", vesicleRadius: 7, cleftRadius: 7, spine: true, mitochondrion: false },
  { name: "large-spine", vesicleRadius: 13, cleftRadius: 10, spine: true, mitochondrion: true },
];

/** Mask values written for a box: the original values of bbox1..bbox3 (config/synapse-labels.json). */
const SYNTHETIC_BOX_LABELS: ReadonlyArray<{ mito: number; vesicle: number; cleft: [number, number] }> = [
  { mito: 5, vesicle: 6, cleft: [7, 7] },
  { mito: 1, vesicle: 3, cleft: [2, 4] },
  { mito: 6, vesicle: 7, cleft: [9, 8] },
  { mito: 3, vesicle: 2, cleft: [1, 4] },
  { mito: 1, vesicle: 3, cleft: [2, 4] },
  { mito: 5, vesicle: 6, cleft: [7, 7] },
  { mito: 1, vesicle: 2, cleft: [4, 3] },
];

export interface SynthSynapseBoxOptions {
  /** Volume extent in voxels (default 224 × 224 × 96). */
  width?: number;
  height?: number;
  depth?: number;
  /** Neurons (Voronoi cells) per box (default 16). */
  cells?: number;
  /** Synapses per box (default 8: two of each of the four types). */
  synapses?: number;
  /** Box number 1..7: picks the mask label values (default 1). */
  box?: number;
  /** Synapse types to draw from, in turn (default all of SYNTHETIC_SYNAPSE_TYPES). */
  types?: readonly SynapseType[];
}

/** One synthetic synapse: the table row, with the true type. */
export interface SyntheticSynapse {
  name: string;
  centre: [number, number, number];
  side1: [number, number, number];
  side2: [number, number, number];
  type: string;
  /** 1 or 2: which side point lies in the presynaptic neuron. */
  presynapticSide: 1 | 2;
}

export interface SyntheticBox {
  width: number;
  height: number;
  depth: number;
  /** `[z][y][x]`, x fastest, like slice stacks. */
  raw: Uint8Array;
  seg: Uint16Array;
  masks: Uint8Array;
  synapses: SyntheticSynapse[];
  labels: { mito: number[]; vesicle: number[]; cleft: number[] };
}

type V3 = [number, number, number];
const sub = (a: V3, b: V3): V3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const add = (a: V3, b: V3, s = 1): V3 => [a[0] + s * b[0], a[1] + s * b[1], a[2] + s * b[2]];
const dot = (a: V3, b: V3) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const norm = (a: V3) => Math.sqrt(dot(a, a));
const round = (a: V3): V3 => [Math.round(a[0]), Math.round(a[1]), Math.round(a[2])];

/** Smooth random field in about [-1, 1]: random values on a lattice, trilinear in between. */
function valueNoise(rng: Random, w: number, h: number, d: number, spacing: number): Float32Array {
  const gw = Math.ceil(w / spacing) + 2;
  const gh = Math.ceil(h / spacing) + 2;
  const gd = Math.ceil(d / spacing) + 2;
  const lattice = Float32Array.from({ length: gw * gh * gd }, () => rng.uniform(-1, 1));
  const out = new Float32Array(w * h * d);
  const L = (x: number, y: number, z: number) => lattice[(z * gh + y) * gw + x]!;
  for (let z = 0; z < d; z++) {
    const fz = z / spacing;
    const z0 = Math.floor(fz);
    const tz = fz - z0;
    for (let y = 0; y < h; y++) {
      const fy = y / spacing;
      const y0 = Math.floor(fy);
      const ty = fy - y0;
      for (let x = 0; x < w; x++) {
        const fx = x / spacing;
        const x0 = Math.floor(fx);
        const tx = fx - x0;
        const c00 = L(x0, y0, z0) * (1 - tx) + L(x0 + 1, y0, z0) * tx;
        const c10 = L(x0, y0 + 1, z0) * (1 - tx) + L(x0 + 1, y0 + 1, z0) * tx;
        const c01 = L(x0, y0, z0 + 1) * (1 - tx) + L(x0 + 1, y0, z0 + 1) * tx;
        const c11 = L(x0, y0 + 1, z0 + 1) * (1 - tx) + L(x0 + 1, y0 + 1, z0 + 1) * tx;
        out[(z * h + y) * w + x] = (c00 * (1 - ty) + c10 * ty) * (1 - tz) + (c01 * (1 - ty) + c11 * ty) * tz;
      }
    }
  }
  return out;
}

/** Two unit vectors orthogonal to n and to each other. */
function frame(n: V3): [V3, V3] {
  const a: V3 = Math.abs(n[0]) < 0.9 ? [1, 0, 0] : [0, 1, 0];
  const u0 = add(a, n, -dot(a, n));
  const u = u0.map((c) => c / norm(u0)) as V3;
  const v: V3 = [n[1] * u[2] - n[2] * u[1], n[2] * u[0] - n[0] * u[2], n[0] * u[1] - n[1] * u[0]];
  return [u, v];
}

/** Generates one box. Deterministic for a given generator state. */
export function synthSynapseBox(rng: Random, options: SynthSynapseBoxOptions = {}): SyntheticBox {
  const W = options.width ?? 224;
  const H = options.height ?? 224;
  const D = options.depth ?? 96;
  const cells = options.cells ?? 16;
  const wanted = options.synapses ?? 8;
  const boxNumber = options.box ?? 1;
  const types = options.types ?? SYNTHETIC_SYNAPSE_TYPES;
  const labelSet = SYNTHETIC_BOX_LABELS[(boxNumber - 1) % SYNTHETIC_BOX_LABELS.length]!;
  if (W < 48 || H < 48 || D < 32) throw new ConfigError(`synthetic box: expected at least 48 x 48 x 32 voxels, found ${W} x ${H} x ${D}`);
  if (types.length === 0) throw new ConfigError("synthetic box: no synapse types given");
  const N = W * H * D;
  const at = (x: number, y: number, z: number) => (z * H + y) * W + x;
  const inBox = (p: V3) => p[0] >= 0 && p[1] >= 0 && p[2] >= 0 && p[0] < W && p[1] < H && p[2] < D;

  // Neurons: nearest seed after warping space, so membranes wander smoothly.
  const seeds: V3[] = [];
  while (seeds.length < cells) {
    const s: V3 = [rng.uniform(0, W), rng.uniform(0, H), rng.uniform(0, D)];
    if (seeds.every((t) => norm(sub(s, t)) > 28) || rng.next() < 0.02) seeds.push(s);
  }
  const warp = [valueNoise(rng, W, H, D, 28), valueNoise(rng, W, H, D, 28), valueNoise(rng, W, H, D, 28)];
  const seg = new Uint16Array(N);
  for (let z = 0; z < D; z++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const i = at(x, y, z);
        const px = x + 7 * warp[0]![i]!;
        const py = y + 7 * warp[1]![i]!;
        const pz = z + 7 * warp[2]![i]!;
        let best = 0;
        let bestD = Infinity;
        for (let k = 0; k < seeds.length; k++) {
          const s = seeds[k]!;
          const dd = (px - s[0]) ** 2 + (py - s[1]) ** 2 + (pz - s[2]) ** 2;
          if (dd < bestD) {
            bestD = dd;
            best = k;
          }
        }
        seg[i] = best + 1;
      }
    }
  }
  let nextId = seeds.length + 1;
  const labelAt = (p: V3) => (inBox(round(p)) ? seg[at(...round(p))]! : 0);

  const masks = new Uint8Array(N);
  const cleftMask = new Uint8Array(N);
  const psd = new Uint8Array(N);
  const vesicles: Array<{ c: V3; r: number }> = [];
  const mitos: Array<{ c: V3; axis: V3; len: number; r: number; cell: number }> = [];
  const synapses: SyntheticSynapse[] = [];
  const margin = Math.min(24, Math.floor(Math.min(W, H) / 4));
  const zMargin = Math.min(16, Math.floor(D / 4));
  const spacing = Math.min(56, Math.min(W, H) / 3);
  let attempts = 0;
  while (synapses.length < wanted && attempts < 4000) {
    attempts++;
    const type = types[synapses.length % types.length]!;
    // A contact: a random membrane voxel between two neurons; its normal points
    // from the seed of one neuron to the seed of the other.
    let c: V3 = [margin + rng.int(W - 2 * margin), margin + rng.int(H - 2 * margin), zMargin + rng.int(D - 2 * zMargin)];
    const here = seg[at(...c)]!;
    const across = [1, -1, W, -W, W * H, -W * H].map((o) => seg[at(...c) + o]!).find((l) => l !== here);
    // Neurites split off for spines have no seed; contacts need two seeded neurons.
    if (across === undefined || here > seeds.length || across > seeds.length) continue;
    const flip = rng.next() < 0.5;
    const i = (flip ? across : here) - 1;
    const j = (flip ? here : across) - 1;
    const n0 = sub(seeds[j]!, seeds[i]!);
    const n = n0.map((x) => x / norm(n0)) as V3;
    if (seg[at(...c)] !== j + 1) c = round(add(c, n, 1));
    if (c[0] < margin || c[1] < margin || c[0] >= W - margin || c[1] >= H - margin || c[2] < zMargin || c[2] >= D - zMargin) continue;
    if (synapses.some((s) => norm(sub(s.centre, c)) < spacing)) continue;
    const scale = rng.uniform(0.85, 1.15);
    const vesR = type.vesicleRadius * scale;
    const cleftR = type.cleftRadius * rng.uniform(0.85, 1.15);
    const [u, v] = frame(n);
    const pre = i + 1;
    const post = j + 1;
    // Shape both partners near the contact by type, so the crop shows a
    // bouton on an axon facing a dendritic shaft or a spine head on a neck;
    // what the partners filled before becomes other neurites.
    const bR = vesR + 8;
    const dR = type.spine ? 8 : type.cleftRadius + 5;
    const headR = 7 * scale + 2;
    const neckLen = headR + 8;
    const otherPre = nextId++;
    const otherPost = nextId++;
    const region = 40;
    for (let z = Math.max(0, c[2] - region); z < Math.min(D, c[2] + region + 1); z++) {
      for (let y = Math.max(0, c[1] - region); y < Math.min(H, c[1] + region + 1); y++) {
        for (let x = Math.max(0, c[0] - region); x < Math.min(W, c[0] + region + 1); x++) {
          const q = sub([x, y, z], c);
          const d = dot(q, n);
          const a = dot(q, u);
          const b = dot(q, v);
          const idx = at(x, y, z);
          const inHead = type.spine && (d - (headR - 5)) ** 2 + a * a + b * b <= headR * headR;
          if (inHead) {
            seg[idx] = post;
            continue;
          }
          if (d <= 0) {
            const inBouton = (d + 0.6 * bR) ** 2 + a * a + b * b <= bR * bR;
            const inAxon = (d + 0.6 * bR) ** 2 + b * b <= 3.5 * 3.5;
            if (inBouton || inAxon) seg[idx] = pre;
            else if (seg[idx] === pre || seg[idx] === post) seg[idx] = otherPre;
          } else {
            const shaftAt = type.spine ? neckLen + dR : 0.6 * dR;
            const inShaft = (d - shaftAt) ** 2 + a * a <= dR * dR;
            const inNeck = type.spine && d < neckLen + 1 && a * a + b * b <= 9;
            if (inShaft || inNeck) seg[idx] = post;
            else if (seg[idx] === pre || seg[idx] === post) seg[idx] = otherPost;
          }
        }
      }
    }
    if (type.spine) c = round(add(c, n, -5));
    // Cleft: the pre/post membrane within cleftR of the centre.
    const r = Math.ceil(cleftR) + 2;
    for (let z = Math.max(1, c[2] - r); z < Math.min(D - 1, c[2] + r + 1); z++) {
      for (let y = Math.max(1, c[1] - r); y < Math.min(H - 1, c[1] + r + 1); y++) {
        for (let x = Math.max(1, c[0] - r); x < Math.min(W - 1, c[0] + r + 1); x++) {
          const idx = at(x, y, z);
          const own = seg[idx];
          if (own !== pre && own !== post) continue;
          const other = own === pre ? post : pre;
          const q = sub([x, y, z], c);
          if (norm(q) > cleftR) continue;
          if (
            seg[idx + 1] === other ||
            seg[idx - 1] === other ||
            seg[idx + W] === other ||
            seg[idx - W] === other ||
            seg[idx + W * H] === other ||
            seg[idx - W * H] === other
          ) {
            cleftMask[idx] = dot(q, u) >= 0 ? 1 : 2;
          }
        }
      }
    }
    // Postsynaptic density: post voxels just behind the cleft.
    for (let z = Math.max(0, c[2] - r - 4); z < Math.min(D, c[2] + r + 5); z++) {
      for (let y = Math.max(0, c[1] - r - 4); y < Math.min(H, c[1] + r + 5); y++) {
        for (let x = Math.max(0, c[0] - r - 4); x < Math.min(W, c[0] + r + 5); x++) {
          const idx = at(x, y, z);
          if (seg[idx] !== post) continue;
          const q = sub([x, y, z], c);
          if (norm(q) <= cleftR + 1 && dot(q, n) >= -1 && dot(q, n) <= 4) psd[idx] = 1;
        }
      }
    }
    // Vesicle cloud: a flattened ellipsoid in the bouton, packed with vesicles.
    const cloud = add(c, n, -(0.8 * vesR + 2));
    const inCloud = (p: V3) => {
      const q = sub(p, cloud);
      return (dot(q, n) / (0.8 * vesR)) ** 2 + (dot(q, u) / vesR) ** 2 + (dot(q, v) / vesR) ** 2 <= 1;
    };
    const R2 = Math.ceil(vesR) + 1;
    for (let z = Math.max(0, Math.round(cloud[2]) - R2); z < Math.min(D, Math.round(cloud[2]) + R2 + 1); z++) {
      for (let y = Math.max(0, Math.round(cloud[1]) - R2); y < Math.min(H, Math.round(cloud[1]) + R2 + 1); y++) {
        for (let x = Math.max(0, Math.round(cloud[0]) - R2); x < Math.min(W, Math.round(cloud[0]) + R2 + 1); x++) {
          if (inCloud([x, y, z]) && seg[at(x, y, z)] === pre) masks[at(x, y, z)] = labelSet.vesicle;
        }
      }
    }
    const count = Math.round(0.35 * vesR ** 3);
    for (let k = 0; k < count; k++) {
      const p: V3 = add(add(add(cloud, n, rng.uniform(-0.8, 0.8) * vesR), u, rng.uniform(-1, 1) * vesR), v, rng.uniform(-1, 1) * vesR);
      if (inCloud(p) && labelAt(p) === pre) vesicles.push({ c: p, r: rng.uniform(1.6, 2.4) });
    }
    if (type.mitochondrion) {
      const axis = add(u, v, rng.uniform(-0.5, 0.5));
      const len = norm(axis);
      mitos.push({ c: add(c, n, -(1.6 * vesR + 3)), axis: axis.map((a) => a / len) as V3, len: 11 * scale, r: 4.5 * scale, cell: pre });
    }
    const preSide = round(add(c, n, -3));
    const postSide = round(add(c, n, 3));
    if (seg[at(...preSide)] !== pre || seg[at(...postSide)] !== post) continue;
    const swap = rng.next() < 0.5;
    synapses.push({
      name: `syn_${boxNumber}_${String(synapses.length + 1).padStart(2, "0")}`,
      centre: c,
      side1: swap ? postSide : preSide,
      side2: swap ? preSide : postSide,
      type: type.name,
      presynapticSide: swap ? 2 : 1,
    });
  }
  if (synapses.length < wanted) {
    throw new ConfigError(
      `synthetic box ${boxNumber}: placed only ${synapses.length} of ${wanted} synapses in ${W} x ${H} x ${D} voxels; use fewer synapses or a larger box`,
    );
  }
  // Mitochondria scattered in all neurons, so "closest mitochondrion" has decoys.
  for (let k = 0; k < 8; k++) {
    const p: V3 = [rng.uniform(8, W - 8), rng.uniform(8, H - 8), rng.uniform(8, D - 8)];
    const axis: V3 = [rng.normal(), rng.normal(), rng.normal() * 0.3];
    const len = norm(axis) || 1;
    mitos.push({ c: p, axis: axis.map((a) => a / len) as V3, len: rng.uniform(8, 14), r: rng.uniform(3.5, 5), cell: labelAt(p) });
  }
  const mitoMask = new Uint8Array(N);
  for (const m of mitos) {
    const R = Math.ceil(m.len + m.r);
    for (let z = Math.max(0, Math.round(m.c[2]) - R); z < Math.min(D, Math.round(m.c[2]) + R); z++) {
      for (let y = Math.max(0, Math.round(m.c[1]) - R); y < Math.min(H, Math.round(m.c[1]) + R); y++) {
        for (let x = Math.max(0, Math.round(m.c[0]) - R); x < Math.min(W, Math.round(m.c[0]) + R); x++) {
          const q = sub([x, y, z], m.c);
          const along = dot(q, m.axis);
          const radial2 = dot(q, q) - along * along;
          const t = Math.max(0, Math.abs(along) - m.len);
          const idx = at(x, y, z);
          if (radial2 + t * t <= m.r * m.r && seg[idx] === m.cell && masks[idx] === 0 && !cleftMask[idx]) {
            masks[idx] = labelSet.mito;
            // Cristae: bands across the long axis.
            mitoMask[idx] = Math.sin(along * 1.3) > 0.55 && radial2 < (m.r - 1) ** 2 ? 2 : 1;
          }
        }
      }
    }
  }
  for (let i = 0; i < N; i++) if (cleftMask[i]) masks[i] = labelSet.cleft[cleftMask[i]! - 1]!;

  // Intensities: cytoplasm texture, dark membranes, PSD, vesicles, mitochondria, noise.
  const texture = valueNoise(rng, W, H, D, 6);
  const shade = valueNoise(rng, W, H, D, 40);
  const cellTone = Float32Array.from({ length: nextId + 1 }, () => rng.uniform(-0.05, 0.05));
  const value = new Float32Array(N);
  for (let z = 0; z < D; z++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const i = at(x, y, z);
        const s = seg[i]!;
        let val = 0.7 + cellTone[s]! + 0.05 * texture[i]! + 0.06 * shade[i]!;
        const membrane =
          (x > 0 && seg[i - 1] !== s) ||
          (x < W - 1 && seg[i + 1] !== s) ||
          (y > 0 && seg[i - W] !== s) ||
          (y < H - 1 && seg[i + W] !== s) ||
          (z > 0 && seg[i - W * H] !== s) ||
          (z < D - 1 && seg[i + W * H] !== s);
        if (membrane) val = 0.27 + 0.04 * texture[i]!;
        if (cleftMask[i]) val = 0.42;
        else if (psd[i]) val = 0.22;
        if (mitoMask[i]) val = mitoMask[i] === 2 ? 0.55 : 0.36;
        value[i] = val;
      }
    }
  }
  for (const ves of vesicles) {
    const R = Math.ceil(ves.r) + 1;
    const cz = Math.round(ves.c[2]);
    const cy = Math.round(ves.c[1]);
    const cx = Math.round(ves.c[0]);
    for (let z = Math.max(0, cz - R); z <= Math.min(D - 1, cz + R); z++) {
      for (let y = Math.max(0, cy - R); y <= Math.min(H - 1, cy + R); y++) {
        for (let x = Math.max(0, cx - R); x <= Math.min(W - 1, cx + R); x++) {
          const dd = norm(sub([x, y, z], ves.c));
          const i = at(x, y, z);
          if (cleftMask[i]) continue;
          if (dd <= ves.r + 0.4 && dd >= ves.r - 0.9) value[i] = 0.3;
          else if (dd < ves.r - 0.9) value[i] = 0.78;
        }
      }
    }
  }
  const raw = new Uint8Array(N);
  for (let z = 0; z < D; z++) {
    const sliceShift = rng.normal(0, 0.015);
    for (let k = z * W * H; k < (z + 1) * W * H; k++) {
      const val = value[k]! + sliceShift + rng.normal(0, 0.05);
      raw[k] = Math.max(0, Math.min(255, Math.round(val * 255)));
    }
  }
  const cleftLabels = labelSet.cleft[0] === labelSet.cleft[1] ? [labelSet.cleft[0]] : [...labelSet.cleft];
  return {
    width: W,
    height: H,
    depth: D,
    raw,
    seg,
    masks,
    synapses,
    labels: { mito: [labelSet.mito], vesicle: [labelSet.vesicle], cleft: cleftLabels },
  };
}
