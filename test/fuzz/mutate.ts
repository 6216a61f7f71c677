/**
 * A seeded byte mutator for fuzzing the readers with damaged versions of real
 * files. It imports nothing from lib/, so a bug in the workbench cannot make
 * the fuzzer miss the bug.
 *
 * Each mutant applies one to three edits: bit flips, truncation, inserted or
 * zeroed runs, copied chunks, and lies in length and count fields. The lies
 * are the edits that find allocation and loop bugs: a reader trusts a count in
 * a header, so the mutator looks for small integers near the start and the end
 * of the file (where headers, directories and end records sit), binary or
 * written as decimal text, and replaces one with 0, a neighbour, or a huge value.
 */

/** mulberry32: tiny, fast and good enough to pick edits. */
export class MutationRandom {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }
}

/** One seed per (run seed, format, mutant number), so any mutant can be rebuilt alone. */
export function mutantSeed(seed: number, format: string, index: number): number {
  let h = (seed ^ 0x811c9dc5) >>> 0;
  for (const ch of `${format}#${index}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}

export interface Mutant {
  bytes: Uint8Array;
  /** What was done, e.g. "flip 3 bits; u32le@8 12→4294967295", for reports. */
  edits: string[];
}

/** Where headers live: the first and the last KiB (end records of zips, trailing directories). */
function headerRegions(n: number): Array<[number, number]> {
  if (n <= 2048) return [[0, n]];
  return [
    [0, 1024],
    [n - 1024, n],
  ];
}

interface Field {
  at: number;
  width: 1 | 2 | 4 | 8;
  little: boolean;
  value: number;
}

function read(bytes: Uint8Array, at: number, width: number, little: boolean): number {
  let v = 0;
  for (let k = 0; k < width; k++) v = v * 256 + bytes[at + (little ? width - 1 - k : k)]!;
  return v;
}

function write(bytes: Uint8Array, at: number, width: number, little: boolean, value: number): void {
  let v = BigInt(Math.max(0, Math.floor(value)));
  for (let k = 0; k < width; k++) {
    bytes[at + (little ? k : width - 1 - k)] = Number(v & 0xffn);
    v >>= 8n;
  }
}

/** Binary fields holding a small positive integer (1..65535): likely counts, lengths and offsets. */
function smallIntegerFields(bytes: Uint8Array): Field[] {
  const out: Field[] = [];
  for (const [lo, hi] of headerRegions(bytes.length)) {
    for (let at = lo; at < hi; at++) {
      for (const width of [2, 4, 8] as const) {
        if (at + width > bytes.length) continue;
        for (const little of [true, false]) {
          const value = read(bytes, at, width, little);
          if (value >= 1 && value <= 0xffff) out.push({ at, width, little, value });
        }
      }
    }
  }
  return out;
}

/** Runs of decimal digits in the text parts of the header regions ("element vertex 8", "'shape': (3, 4)"). */
function decimalFields(bytes: Uint8Array): Array<{ at: number; length: number }> {
  const out: Array<{ at: number; length: number }> = [];
  for (const [lo, hi] of headerRegions(bytes.length)) {
    let at = lo;
    while (at < hi) {
      if (bytes[at]! >= 0x30 && bytes[at]! <= 0x39) {
        let end = at;
        while (end < bytes.length && bytes[end]! >= 0x30 && bytes[end]! <= 0x39) end++;
        out.push({ at, length: end - at });
        at = end;
      } else at++;
    }
  }
  return out;
}

function splice(bytes: Uint8Array, at: number, remove: number, insert: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length - remove + insert.length);
  out.set(bytes.subarray(0, at), 0);
  out.set(insert, at);
  out.set(bytes.subarray(at + remove), at + insert.length);
  return out;
}

const HUGE_TEXT = ["0", "-1", "4294967296", "99999999999", "2147483648", "1e308", "NaN", "9007199254740993", "65536"];

type Edit = (bytes: Uint8Array, r: MutationRandom) => { bytes: Uint8Array; what: string } | null;

/** A position, biased towards the header regions where one flip does most damage. */
function position(n: number, r: MutationRandom): number {
  if (n === 0) return 0;
  const regions = headerRegions(n);
  if (r.next() < 0.6) {
    const [lo, hi] = r.pick(regions);
    return lo + r.below(hi - lo);
  }
  return r.below(n);
}

const EDITS: Array<{ weight: number; edit: Edit }> = [
  {
    weight: 3,
    edit: (bytes, r) => {
      const out = bytes.slice();
      const n = 1 + r.below(8);
      for (let k = 0; k < n && out.length > 0; k++) out[position(out.length, r)]! ^= 1 << r.below(8);
      return { bytes: out, what: `flip ${n} bit${n > 1 ? "s" : ""}` };
    },
  },
  {
    weight: 2,
    edit: (bytes, r) => {
      const at = r.next() < 0.5 ? r.below(Math.min(bytes.length, 512) + 1) : r.below(bytes.length + 1);
      return { bytes: bytes.slice(0, at), what: `truncate to ${at}` };
    },
  },
  {
    weight: 2,
    edit: (bytes, r) => {
      const at = position(bytes.length, r);
      const n = 1 + r.below(64);
      const run = new Uint8Array(n);
      const fill = r.next() < 0.5 ? -1 : r.pick([0x00, 0xff, 0x7f, 0x80, 0x0a, 0x20]);
      for (let k = 0; k < n; k++) run[k] = fill < 0 ? r.below(256) : fill;
      return { bytes: splice(bytes, at, 0, run), what: `insert ${n} bytes at ${at}` };
    },
  },
  {
    weight: 2,
    edit: (bytes, r) => {
      if (bytes.length === 0) return null;
      const at = position(bytes.length, r);
      const n = Math.min(bytes.length - at, 1 + r.below(r.next() < 0.8 ? 16 : 4096));
      const out = bytes.slice();
      out.fill(0, at, at + n);
      return { bytes: out, what: `zero ${n} bytes at ${at}` };
    },
  },
  {
    weight: 1,
    edit: (bytes, r) => {
      if (bytes.length < 2) return null;
      const from = r.below(bytes.length);
      const n = Math.min(bytes.length - from, 1 + r.below(256));
      const to = position(bytes.length, r);
      return { bytes: splice(bytes, to, 0, bytes.slice(from, from + n)), what: `copy ${n} bytes from ${from} to ${to}` };
    },
  },
  {
    weight: 4,
    edit: (bytes, r) => {
      const fields = smallIntegerFields(bytes);
      if (fields.length === 0) return null;
      const f = r.pick(fields);
      const max = 2 ** (8 * f.width) - 1;
      const lies = [
        0,
        f.value - 1,
        f.value + 1,
        f.value * 2,
        f.value * 4096,
        max,
        Math.floor(max / 2),
        0x7fffffff,
        0x80000000,
        0xffff,
        0x10000,
      ];
      const lie = Math.min(max, Math.max(0, r.pick(lies)));
      const out = bytes.slice();
      write(out, f.at, f.width, f.little, lie);
      return { bytes: out, what: `u${8 * f.width}${f.little ? "le" : "be"}@${f.at} ${f.value}→${lie}` };
    },
  },
  {
    weight: 2,
    edit: (bytes, r) => {
      const fields = decimalFields(bytes);
      if (fields.length === 0) return null;
      const f = r.pick(fields);
      const text = r.pick(HUGE_TEXT);
      return {
        bytes: splice(bytes, f.at, f.length, new TextEncoder().encode(text)),
        what: `text@${f.at} "${new TextDecoder("latin1").decode(bytes.subarray(f.at, f.at + f.length))}"→"${text}"`,
      };
    },
  },
];

const TOTAL_WEIGHT = EDITS.reduce((s, e) => s + e.weight, 0);

function pickEdit(r: MutationRandom): Edit {
  let x = r.next() * TOTAL_WEIGHT;
  for (const e of EDITS) {
    x -= e.weight;
    if (x < 0) return e.edit;
  }
  return EDITS[EDITS.length - 1]!.edit;
}

/** One to three edits of `input` (which is not modified), chosen by `seed`. */
export function mutate(input: Uint8Array, seed: number): Mutant {
  const r = new MutationRandom(seed);
  const count = 1 + (r.next() < 0.7 ? 0 : r.next() < 0.7 ? 1 : 2);
  let bytes = input;
  const edits: string[] = [];
  for (let tries = 0; edits.length < count && tries < 20; tries++) {
    const done = pickEdit(r)(bytes, r);
    if (!done) continue;
    bytes = done.bytes;
    edits.push(done.what);
  }
  return { bytes: bytes === input ? input.slice() : bytes, edits };
}
