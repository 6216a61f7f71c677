import { WorkbenchError } from "../core";

/**
 * A small protocol-2 pickler for what torch.save writes: containers, numbers,
 * strings, and REDUCE calls of named globals (how tensors are rebuilt).
 * JS values map to: null → None, boolean → bool, integer number or bigint →
 * int, other number → float, string → str, array → list, Map → OrderedDict,
 * plain object → dict; the classes below give tuples, globals, persistent
 * ids and calls.
 */

export class PyTuple {
  constructor(readonly items: PickleValue[]) {}
}

export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
}

/** A persistent id (BINPERSID): torch.save's reference to a storage. */
export class PyPersistent {
  constructor(readonly id: PyTuple) {}
}

/** `callable(*args)`, written as REDUCE. */
export class PyReduce {
  constructor(
    readonly callable: PyGlobal,
    readonly args: PyTuple,
  ) {}
}

export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | PickleValue[]
  | Map<string | number, PickleValue>
  | { [key: string]: PickleValue }
  | PyTuple
  | PyGlobal
  | PyPersistent
  | PyReduce;

/** Turns values the pickler does not know (e.g. tensors) into PickleValues; undefined if it does not know them either. */
export type PickleExtension = (value: unknown) => PickleValue | undefined;

class Writer {
  private buf = new Uint8Array(1024);
  length = 0;

  private reserve(n: number) {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  byte(...b: number[]) {
    this.reserve(b.length);
    for (const x of b) this.buf[this.length++] = x;
  }
  bytes(b: Uint8Array) {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  u32(v: number) {
    this.reserve(4);
    new DataView(this.buf.buffer).setUint32(this.length, v, true);
    this.length += 4;
  }
  i32(v: number) {
    this.reserve(4);
    new DataView(this.buf.buffer).setInt32(this.length, v, true);
    this.length += 4;
  }
  f64be(v: number) {
    this.reserve(8);
    new DataView(this.buf.buffer).setFloat64(this.length, v, false);
    this.length += 8;
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

const MARK = 0x28;

function longBytes(v: bigint): number[] {
  // Little-endian two's complement, as short as the sign allows.
  const out: number[] = [];
  let x = v;
  for (;;) {
    const b = Number(x & 0xffn);
    out.push(b);
    x >>= 8n;
    if ((x === 0n && !(b & 0x80)) || (x === -1n && b & 0x80)) return out;
  }
}

/** Encodes `value` as a protocol-2 pickle. */
export function pickle(value: unknown, extend: PickleExtension = () => undefined): Uint8Array {
  const w = new Writer();
  const enc = new TextEncoder();
  const str = (s: string) => {
    const b = enc.encode(s);
    w.byte(0x58);
    w.u32(b.length);
    w.bytes(b);
  };
  const tuple = (items: unknown[]) => {
    if (items.length === 0) return w.byte(0x29);
    if (items.length <= 3) {
      items.forEach(save);
      return w.byte(0x84 + items.length); // TUPLE1..3
    }
    w.byte(MARK);
    items.forEach(save);
    w.byte(0x74);
  };
  const dictItems = (entries: [unknown, unknown][]) => {
    if (entries.length === 0) return;
    w.byte(MARK);
    for (const [k, v] of entries) {
      save(k);
      save(v);
    }
    w.byte(0x75); // SETITEMS
  };
  function save(v: unknown): void {
    if (v === null || v === undefined) return w.byte(0x4e);
    if (v === true) return w.byte(0x88);
    if (v === false) return w.byte(0x89);
    if (typeof v === "number") {
      if (Number.isInteger(v) && Math.abs(v) < 2 ** 31) {
        if (v >= 0 && v < 256) return w.byte(0x4b, v);
        w.byte(0x4a);
        return w.i32(v);
      }
      if (Number.isSafeInteger(v)) return save(BigInt(v));
      w.byte(0x47);
      return w.f64be(v);
    }
    if (typeof v === "bigint") {
      const b = longBytes(v);
      return w.byte(0x8a, b.length, ...b); // LONG1
    }
    if (typeof v === "string") return str(v);
    if (v instanceof PyTuple) return tuple(v.items);
    if (v instanceof PyGlobal) {
      w.byte(0x63);
      w.bytes(enc.encode(`${v.module}\n${v.name}\n`));
      return;
    }
    if (v instanceof PyPersistent) {
      save(v.id);
      return w.byte(0x51);
    }
    if (v instanceof PyReduce) {
      save(v.callable);
      save(v.args);
      return w.byte(0x52);
    }
    const extended = extend(v);
    if (extended !== undefined) return save(extended);
    if (Array.isArray(v)) {
      w.byte(0x5d);
      if (v.length === 0) return;
      w.byte(MARK);
      v.forEach(save);
      return w.byte(0x65); // APPENDS
    }
    if (v instanceof Map) {
      save(new PyReduce(new PyGlobal("collections", "OrderedDict"), new PyTuple([])));
      return dictItems([...v.entries()]);
    }
    if (typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
      w.byte(0x7d);
      return dictItems(Object.entries(v));
    }
    throw new WorkbenchError(`pickle: cannot write a value of type ${typeof v === "object" ? (v.constructor?.name ?? "object") : typeof v}`);
  }
  w.byte(0x80, 2);
  save(value);
  w.byte(0x2e);
  return w.result();
}
