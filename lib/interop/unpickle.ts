import { ParseError } from "../core";

/**
 * A restricted unpickler. It interprets the pickle opcodes that plain data
 * needs (protocols 2-5: numbers, strings, bytes, tuples, lists, dicts, memo,
 * persistent ids) and resolves every GLOBAL through an allow-list the caller
 * supplies; nothing from the file is ever executed.
 *
 * Python values become: None → null, bool → boolean, int → number (bigint
 * beyond 2^53), float → number, str → string, bytes → Uint8Array, tuple and
 * list → array, dict → Map.
 */

/** A Python callable the file may name: what REDUCE (and BUILD) do with it. */
export interface AllowedGlobal {
  /** "module.name", for messages. */
  qualifiedName: string;
  /** REDUCE: call with the argument tuple. */
  call(args: unknown[], at: number): unknown;
  /** BUILD: apply `state` to an object this global made; the default ignores it. */
  build?(obj: unknown, state: unknown, at: number): unknown;
}

export interface UnpickleHooks {
  /** Resolves `module.name` or throws (the caller's allow-list). */
  findGlobal(module: string, name: string, at: number): AllowedGlobal;
  /** Resolves a persistent id (BINPERSID). */
  persistentLoad(pid: unknown, at: number): unknown;
}

const OPCODE_NAMES: Record<number, string> = {
  0x63: "GLOBAL",
  0x69: "INST",
  0x6f: "OBJ",
  0x81: "NEWOBJ",
  0x92: "NEWOBJ_EX",
  0x93: "STACK_GLOBAL",
  0x50: "PERSID",
  0x46: "FLOAT",
  0x49: "INT",
  0x4c: "LONG",
  0x53: "STRING",
  0x56: "UNICODE",
  0x8f: "EMPTY_SET",
  0x90: "ADDITEMS",
  0x91: "FROZENSET",
  0x96: "BYTEARRAY8",
  0x97: "NEXT_BUFFER",
  0x98: "READONLY_BUFFER",
  0x82: "EXT1",
  0x83: "EXT2",
  0x84: "EXT4",
};

export function unpickle(bytes: Uint8Array, file: string, hooks: UnpickleHooks): unknown {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  // Which allowed global made each object, so BUILD knows what to do with it.
  const madeBy = new WeakMap<object, AllowedGlobal>();
  let pos = 0;
  let opAt = 0;

  const fail = (what: string): never => {
    throw new ParseError(file, { byteOffset: opAt }, what);
  };
  const need = (n: number) => {
    if (pos + n > bytes.length) fail(`truncated pickle: needs ${n} more bytes at offset ${pos}, the data has ${bytes.length}`);
  };
  const u8 = () => (need(1), bytes[pos++]!);
  const u16 = () => (need(2), (pos += 2), dv.getUint16(pos - 2, true));
  const u32 = () => (need(4), (pos += 4), dv.getUint32(pos - 4, true));
  const u64 = () => {
    need(8);
    const v = dv.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(bytes.length)) fail(`length ${v} exceeds the pickle's size`);
    return Number(v);
  };
  const take = (n: number) => {
    need(n);
    pos += n;
    return bytes.subarray(pos - n, pos);
  };
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail("truncated pickle: a text argument has no terminating newline");
    const s = new TextDecoder("latin1").decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const utf8 = (b: Uint8Array) => new TextDecoder("utf-8").decode(b);
  const pop = () => {
    const mark = marks.at(-1);
    if (stack.length === 0 || (mark !== undefined && stack.length <= mark)) fail("pickle stack underflow");
    return stack.pop();
  };
  const popMark = () => {
    const m = marks.pop();
    if (m === undefined) fail("pickle opcode needs a MARK that was never pushed");
    return stack.splice(m as number);
  };
  const top = () => {
    if (stack.length === 0) fail("pickle stack underflow");
    return stack[stack.length - 1];
  };
  const asMap = (v: unknown, op: string) => {
    if (!(v instanceof Map)) fail(`${op} expects a dict on the stack; found ${describe(v)}`);
    return v as Map<unknown, unknown>;
  };
  const asList = (v: unknown, op: string) => {
    if (!Array.isArray(v)) fail(`${op} expects a list on the stack; found ${describe(v)}`);
    return v as unknown[];
  };
  const resolve = (module: string, name: string) => hooks.findGlobal(module, name, opAt);
  const long = (b: Uint8Array): number | bigint => {
    if (b.length === 0) return 0;
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    if (b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };

  for (;;) {
    opAt = pos;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail("pickle protocol above 5 is not supported");
        break;
      case 0x95: // FRAME: framing only groups opcodes
        pos += 8;
        break;
      case 0x2e: // STOP
        if (stack.length !== 1) fail(`pickle ended with ${stack.length} values on the stack (expected 1)`);
        return stack[0];
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        need(4);
        stack.push(dv.getInt32(pos, true));
        pos += 4;
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: // LONG1
        stack.push(long(take(u8())));
        break;
      case 0x8b: // LONG4
        stack.push(long(take(u32())));
        break;
      case 0x47: // BINFLOAT (big-endian)
        need(8);
        stack.push(dv.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x58: // BINUNICODE
        stack.push(utf8(take(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(utf8(take(u8())));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(utf8(take(u64())));
        break;
      case 0x54: // BINSTRING (Python 2 str)
        stack.push(new TextDecoder("latin1").decode(take(u32())));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(new TextDecoder("latin1").decode(take(u8())));
        break;
      case 0x42: // BINBYTES
        stack.push(take(u32()).slice());
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(take(u8()).slice());
        break;
      case 0x8e: // BINBYTES8
        stack.push(take(u64()).slice());
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x74: // TUPLE
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x61: {
        // APPEND
        const v = pop();
        asList(top(), "APPEND").push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        asList(top(), "APPENDS").push(...items);
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x64: {
        // DICT
        const items = popMark();
        const d = new Map();
        for (let i = 0; i + 1 < items.length; i += 2) d.set(items[i], items[i + 1]);
        stack.push(d);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        asMap(top(), "SETITEM").set(k, v);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        const d = asMap(top(), "SETITEMS");
        if (items.length % 2) fail("SETITEMS with an odd number of values");
        for (let i = 0; i < items.length; i += 2) d.set(items[i], items[i + 1]);
        break;
      }
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const i = op === 0x68 ? u8() : u32();
        if (!memo.has(i)) fail(`memo entry ${i} was never stored`);
        stack.push(memo.get(i));
        break;
      }
      case 0x63: {
        // GLOBAL
        const module = line();
        const name = line();
        stack.push(resolve(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== "string" || typeof name !== "string") fail("STACK_GLOBAL expects two strings");
        stack.push(resolve(module as string, name as string));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const fn = pop();
        if (!isGlobal(fn)) fail(`REDUCE on something that is not an allowed callable: ${describe(fn)}`);
        if (!Array.isArray(args)) fail(`REDUCE: arguments of ${(fn as AllowedGlobal).qualifiedName} are not a tuple`);
        const obj = (fn as AllowedGlobal).call(args as unknown[], opAt);
        if (obj !== null && typeof obj === "object") madeBy.set(obj, fn as AllowedGlobal);
        stack.push(obj);
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        const obj = pop();
        const maker = obj !== null && typeof obj === "object" ? madeBy.get(obj) : undefined;
        if (!maker) fail(`BUILD (setting object state) on ${describe(obj)} is not allowed`);
        stack.push(maker!.build ? maker!.build(obj, state, opAt) : obj);
        break;
      }
      case 0x51: // BINPERSID
        stack.push(hooks.persistentLoad(pop(), opAt));
        break;
      default:
        fail(
          `pickle opcode ${OPCODE_NAMES[op] ?? `0x${op.toString(16).padStart(2, "0")}`} is not allowed here ` +
            "(only plain data, dicts, tuples, lists and tensors can be read)",
        );
    }
  }
}

function isGlobal(v: unknown): v is AllowedGlobal {
  return (
    typeof v === "object" &&
    v !== null &&
    typeof (v as AllowedGlobal).call === "function" &&
    typeof (v as AllowedGlobal).qualifiedName === "string"
  );
}

/** A short description of a value for error messages. */
export function describe(v: unknown): string {
  if (v === null) return "None";
  if (Array.isArray(v)) return `a tuple/list of ${v.length}`;
  if (v instanceof Map) return `a dict of ${v.size}`;
  if (isGlobal(v)) return v.qualifiedName;
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v);
  if (typeof v === "object") return "an object";
  if (typeof v === "number" || typeof v === "bigint" || typeof v === "boolean") return String(v);
  return typeof v;
}
