import { Random } from "../core";
import { SWC_TYPES } from "../neuron";
import type { Morphology } from "../neuron";
import { SkeletonBuilder, deflect, unitVector, randomUnit } from "./neuron-growth";
import type { Vec3 } from "./neuron-growth";

/**
 * Cortical cell classes for the synthetic default dataset. Coordinates are
 * µm; y is cortical depth, growing from the pia (y = 0) towards white matter,
 * so "up" (towards the pia) is -y. The classes differ in the arrangement of
 * their arbours (apical vs none, tufted vs not, vertical vs radial, local
 * plexus vs ascending axon), not only in size.
 */
export type NeuronClass =
  "pyramidal_l23" | "pyramidal_l4" | "pyramidal_l5" | "pyramidal_l6" | "spiny_stellate" | "basket" | "martinotti" | "bipolar";

export const NEURON_CLASSES: readonly NeuronClass[] = [
  "pyramidal_l23",
  "pyramidal_l4",
  "pyramidal_l5",
  "pyramidal_l6",
  "spiny_stellate",
  "basket",
  "martinotti",
  "bipolar",
];

/** Layer boundaries (µm below the pia) of mouse visual cortex, roughly. */
const LAYER_BOUNDS: ReadonlyArray<{ layer: string; top: number; bottom: number }> = [
  { layer: "L1", top: 0, bottom: 100 },
  { layer: "L2/3", top: 100, bottom: 320 },
  { layer: "L4", top: 320, bottom: 450 },
  { layer: "L5", top: 450, bottom: 680 },
  { layer: "L6", top: 680, bottom: 900 },
];

/** The layer a soma at this depth is assigned to. */
export function layerAt(depth: number): string {
  for (const b of LAYER_BOUNDS) if (depth < b.bottom) return depth < b.top ? LAYER_BOUNDS[0]!.layer : b.layer;
  return LAYER_BOUNDS[LAYER_BOUNDS.length - 1]!.layer;
}

/** Soma depth range per class (µm below the pia). */
const DEPTHS: Record<NeuronClass, [number, number]> = {
  pyramidal_l23: [130, 300],
  pyramidal_l4: [340, 430],
  pyramidal_l5: [480, 650],
  pyramidal_l6: [700, 870],
  spiny_stellate: [340, 430],
  basket: [150, 850],
  martinotti: [200, 850],
  bipolar: [130, 300],
};

const UP: Vec3 = [0, -1, 0];
const DOWN: Vec3 = [0, 1, 0];

function horizontalish(rng: Random, droop: number): Vec3 {
  const a = 2 * Math.PI * rng.next();
  return unitVector([Math.cos(a), droop + 0.3 * (rng.next() - 0.5), Math.sin(a)]);
}

function basalDendrites(b: SkeletonBuilder, soma: number, count: number, length: number, droop: number): void {
  const rng = b.rng;
  for (let i = 0; i < count; i++) {
    b.grow(soma, horizontalish(rng, droop), {
      length: length * (0.7 + 0.6 * rng.next()),
      radius: [1.2, 0.4],
      type: SWC_TYPES.basal,
      tortuosity: 0.2,
      branchSpacing: 35,
      branchAngle: 0.7,
      maxOrder: 3,
    });
  }
}

function axonStub(b: SkeletonBuilder, soma: number, length: number): void {
  b.grow(soma, DOWN, {
    length,
    radius: [0.6, 0.4],
    type: SWC_TYPES.axon,
    tortuosity: 0.08,
    pull: { dir: DOWN, weight: 0.1 },
    branchSpacing: 120,
    branchAngle: 1.3,
    maxOrder: 1,
    childFraction: 0.5,
  });
}

/** Apical trunk up to `top` (µm depth) with oblique branches, and a tuft at the top when `tuft` > 0. */
function apical(
  b: SkeletonBuilder,
  soma: number,
  depth: number,
  top: number,
  radius: [number, number],
  tuft: number,
  tuftLength: number,
): void {
  const rng = b.rng;
  b.grow(soma, deflect(rng, UP, 0.1), {
    length: Math.max(30, depth - top),
    radius,
    type: SWC_TYPES.apical,
    tortuosity: 0.06,
    pull: { dir: UP, weight: 0.15 },
    branchSpacing: 45,
    branchAngle: 1.1,
    childFraction: 0.25,
    maxOrder: 1,
    minChild: 20,
    child: { pull: undefined, tortuosity: 0.2, branchSpacing: undefined },
    atTip: (tip) => {
      for (let i = 0; i < tuft; i++) {
        b.grow(tip, horizontalish(rng, -0.15), {
          length: tuftLength * (0.7 + 0.6 * rng.next()),
          radius: [radius[1], 0.3],
          type: SWC_TYPES.apical,
          tortuosity: 0.25,
          branchSpacing: 50,
          branchAngle: 0.8,
          maxOrder: 2,
        });
      }
    },
  });
}

/** Grows one neuron of `cls` with its soma at `soma` (x, depth, z); nothing grows above the pia. */
export function growNeuron(cls: NeuronClass, soma: Vec3, rng: Random, file = `${cls}.swc`): Morphology {
  const b = new SkeletonBuilder(rng);
  b.ceiling = 5;
  const depth = soma[1];
  const u = (lo: number, hi: number): number => lo + (hi - lo) * rng.next();
  switch (cls) {
    case "pyramidal_l23": {
      const s = b.soma(soma, u(6, 8));
      apical(b, s, depth, u(50, 80), [2.2, 0.8], Math.round(u(3, 5)), u(80, 140));
      basalDendrites(b, s, Math.round(u(5, 7)), u(90, 130), 0.25);
      axonStub(b, s, u(150, 250));
      break;
    }
    case "pyramidal_l4": {
      // Star pyramid: a thin, untufted apical reaching L2/3.
      const s = b.soma(soma, u(6, 7.5));
      apical(b, s, depth, u(180, 260), [1.4, 0.5], 0, 0);
      basalDendrites(b, s, Math.round(u(5, 7)), u(70, 100), 0.15);
      axonStub(b, s, u(150, 250));
      break;
    }
    case "pyramidal_l5": {
      // Thick-tufted: the longest apical, a large tuft in L1, a wide basal skirt.
      const s = b.soma(soma, u(9, 11));
      apical(b, s, depth, u(50, 80), [3.5, 1.0], Math.round(u(5, 8)), u(120, 200));
      basalDendrites(b, s, Math.round(u(6, 9)), u(130, 180), 0.35);
      axonStub(b, s, u(200, 300));
      break;
    }
    case "pyramidal_l6": {
      // Corticothalamic-like: apical ends in L4 without a tuft, compact basal field.
      const s = b.soma(soma, u(6, 7.5));
      apical(b, s, depth, u(340, 430), [1.6, 0.5], 0, 0);
      basalDendrites(b, s, Math.round(u(4, 6)), u(60, 90), 0.3);
      axonStub(b, s, u(100, 200));
      break;
    }
    case "spiny_stellate": {
      // No apical: a symmetric star of short, branchy dendrites.
      const s = b.soma(soma, u(5.5, 7));
      const n = Math.round(u(7, 10));
      for (let i = 0; i < n; i++) {
        b.grow(s, randomUnit(rng), {
          length: u(50, 85),
          radius: [1.0, 0.4],
          type: SWC_TYPES.basal,
          tortuosity: 0.3,
          branchSpacing: 25,
          branchAngle: 0.8,
          maxOrder: 3,
        });
      }
      axonStub(b, s, u(120, 200));
      break;
    }
    case "basket": {
      // Smooth radial dendrites and a dense, tortuous local axon plexus around the soma.
      const s = b.soma(soma, u(6, 8));
      const n = Math.round(u(5, 7));
      for (let i = 0; i < n; i++) {
        b.grow(s, randomUnit(rng), {
          length: u(100, 170),
          radius: [1.2, 0.5],
          type: SWC_TYPES.basal,
          tortuosity: 0.08,
          branchSpacing: 70,
          branchAngle: 0.6,
          maxOrder: 2,
        });
      }
      const plexus = u(170, 240);
      for (let i = 0; i < 2; i++) {
        b.grow(s, horizontalish(rng, 0), {
          length: u(500, 700),
          radius: [0.5, 0.25],
          type: SWC_TYPES.axon,
          tortuosity: 0.55,
          confine: { centre: soma, radius: plexus, weight: 1.2 },
          branchSpacing: 30,
          branchAngle: 1.2,
          childFraction: 0.45,
          maxOrder: 4,
          minChild: 25,
        });
      }
      break;
    }
    case "martinotti": {
      // Vertically bitufted dendrites; the axon climbs to L1 and spreads sideways there.
      const s = b.soma(soma, u(6, 7.5));
      for (const dir of [UP, DOWN]) {
        for (let i = 0; i < 2 + Math.round(rng.next()); i++) {
          b.grow(s, deflect(rng, dir, u(0.2, 0.5)), {
            length: u(70, 130),
            radius: [1.0, 0.4],
            type: SWC_TYPES.basal,
            tortuosity: 0.15,
            pull: { dir, weight: 0.1 },
            branchSpacing: 45,
            branchAngle: 0.6,
            maxOrder: 2,
          });
        }
      }
      b.grow(s, deflect(rng, UP, 0.2), {
        length: Math.max(60, depth - u(40, 70)),
        radius: [0.6, 0.4],
        type: SWC_TYPES.axon,
        tortuosity: 0.06,
        pull: { dir: UP, weight: 0.2 },
        branchSpacing: 90,
        branchAngle: 1.3,
        childFraction: 0.12,
        maxOrder: 1,
        child: { pull: undefined, tortuosity: 0.3 },
        atTip: (tip) => {
          for (let i = 0; i < Math.round(u(3, 5)); i++) {
            b.grow(tip, horizontalish(rng, 0), {
              length: u(150, 280),
              radius: [0.4, 0.25],
              type: SWC_TYPES.axon,
              tortuosity: 0.2,
              branchSpacing: 60,
              branchAngle: 0.9,
              maxOrder: 2,
            });
          }
        },
      });
      break;
    }
    case "bipolar": {
      // Two long vertical dendrites and a narrow descending axon column.
      const s = b.soma(soma, u(5, 6.5));
      for (const dir of [UP, DOWN]) {
        b.grow(s, deflect(rng, dir, 0.1), {
          length: u(140, 220),
          radius: [1.0, 0.35],
          type: SWC_TYPES.basal,
          tortuosity: 0.1,
          pull: { dir, weight: 0.2 },
          branchSpacing: 70,
          branchAngle: 0.4,
          maxOrder: 1,
          child: { pull: { dir, weight: 0.2 } },
        });
      }
      b.grow(s, DOWN, {
        length: u(300, 420),
        radius: [0.5, 0.3],
        type: SWC_TYPES.axon,
        tortuosity: 0.15,
        pull: { dir: DOWN, weight: 0.12 },
        branchSpacing: 40,
        branchAngle: 1.0,
        childFraction: 0.2,
        maxOrder: 2,
        child: { pull: undefined, tortuosity: 0.3 },
      });
      break;
    }
  }
  return b.build(file);
}

/** A soma depth for the class, uniform in its range. */
export function somaDepthFor(cls: NeuronClass, rng: Random): number {
  const [lo, hi] = DEPTHS[cls];
  return lo + (hi - lo) * rng.next();
}
