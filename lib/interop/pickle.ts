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
    if (items.length === 0) w.byte(0x29);
    else if (items.length <= 3) {
      items.forEach(save);
      w.byte(0x84 + items.length); // TUPLE1..3
    } else {
      w.byte(MARK);
      items.forEach(save);
      w.byte(0x74);
    }
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
  const number = (v: number) => {
    if (Number.isInteger(v) && Math.abs(v) < 2 ** 31) {
      if (v >= 0 && v < 256) w.byte(0x4b, v);
      else {
        w.byte(0x4a);
        w.i32(v);
      }
    } else if (Number.isSafeInteger(v)) save(BigInt(v));
    else {
      w.byte(0x47);
      w.f64be(v);
    }
  };
  const list = (items: unknown[]) => {
    w.byte(0x5d);
    if (items.length === 0) return;
    w.byte(MARK);
    items.forEach(save);
    w.byte(0x65); // APPENDS
  };
  /** Values the extension maps, then lists, dicts and plain objects. */
  const other = (v: unknown) => {
    const extended = extend(v);
    if (extended !== undefined) save(extended);
    else if (Array.isArray(v)) list(v);
    else if (v instanceof Map) {
      save(new PyReduce(new PyGlobal("collections", "OrderedDict"), new PyTuple([])));
      dictItems([...v.entries()]);
    } else if (typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype) {
      w.byte(0x7d);
      dictItems(Object.entries(v));
    } else {
      // An object made by Object.create(null) has no constructor.
      const type =
        typeof v === "object" && v !== null ? ((v as { constructor?: { name: string } }).constructor?.name ?? "object") : typeof v;
      throw new WorkbenchError(`pickle: cannot write a value of type ${type}`);
    }
  };
  function save(v: unknown): void {
    if (v === null || v === undefined) w.byte(0x4e);
    else if (v === true) w.byte(0x88);
    else if (v === false) w.byte(0x89);
    else if (typeof v === "number") number(v);
    else if (typeof v === "bigint") {
      const b = longBytes(v);
      w.byte(0x8a, b.length, ...b); // LONG1
    } else if (typeof v === "string") str(v);
    else if (v instanceof PyTuple) tuple(v.items);
    else if (v instanceof PyGlobal) {
      w.byte(0x63);
      w.bytes(enc.encode(`${v.module}\n${v.name}\n`));
    } else if (v instanceof PyPersistent) {
      save(v.id);
      w.byte(0x51);
    } else if (v instanceof PyReduce) {
      save(v.callable);
      save(v.args);
      w.byte(0x52);
    } else other(v);
  }
  w.byte(0x80, 2);
  save(value);
  w.byte(0x2e);
  return w.result();
}
