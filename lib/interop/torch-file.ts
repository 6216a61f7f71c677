import * as fs from "node:fs";
import { ParseError, WorkbenchError, writeFileAtomic } from "../core";
import { gatherStrided, readZip, writeZip, type ZipArchive } from "../io";
import { unpickle, describe, type AllowedGlobal } from "./unpickle";
import { pickle, PyGlobal, PyPersistent, PyReduce, PyTuple, type PickleValue } from "./pickle";
import { TORCH_DTYPES, decodeElements, encodeElements, numel, type TorchData, type TorchDType, type TorchTensor } from "./tensor";

/**
 * Files written by torch.save (the zip format of PyTorch >= 1.6): a pickle
 * (`<name>/data.pkl`) whose tensors point at raw little-endian storages
 * (`<name>/data/<key>`). Reading goes through the restricted unpickler, so a
 * checkpoint that names anything but containers and tensors is refused.
 */

/** Parameter and buffer names → tensors, in file order. */
export type StateDict = Map<string, TorchTensor>;

interface StorageRef {
  dtype: TorchDType;
  key: string;
  numel: number;
}

interface StorageClass extends AllowedGlobal {
  storageDtype: TorchDType;
}

function isStorageRef(v: unknown): v is StorageRef {
  return typeof v === "object" && v !== null && "key" in v;
}

function isStorageClass(v: unknown): v is StorageClass {
  return typeof v === "object" && v !== null && "storageDtype" in v;
}

/** Keys under which training scripts commonly nest the model's state dict, tried in this order. */
const STATE_DICT_KEYS = ["model_state_dict", "state_dict", "model"] as const;

export function isTorchTensor(v: unknown): v is TorchTensor {
  return typeof v === "object" && v !== null && "dtype" in v && "shape" in v && "data" in v && ArrayBuffer.isView((v as TorchTensor).data);
}

/** The elements of a view into a storage; a contiguous view shares the storage's memory. */
function gather(storage: TorchData, offset: number, shape: number[], stride: number[]): TorchData {
  const contiguous = shape.every((d, i) => d === 1 || stride[i] === numel(shape.slice(i + 1)));
  if (contiguous) return storage.subarray(offset, offset + numel(shape));
  return gatherStrided(storage, offset, shape, stride);
}

function checkIntList(v: unknown, what: string, fail: (w: string) => never): number[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === "number" && Number.isInteger(x) && x >= 0)) {
    fail(`${what}: expected a tuple of non-negative integers; found ${describe(v)}`);
  }
  return v as number[];
}

/** Reads a torch.save file's object: Maps for dicts, TorchTensor for tensors. */
export function readTorch(bytes: Uint8Array, file = "<torch>"): unknown {
  if (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1] === 0x02) {
    throw new ParseError(
      file,
      { byteOffset: 0 },
      "this is the legacy (pre-1.6, non-zip) torch.save format, which is not supported; re-save it in Python with " +
        "torch.save(torch.load(f), f2) using PyTorch >= 1.6",
    );
  }
  const zip = readZip(bytes, file);
  const pkl = zip.entries.find((e) => e.name.endsWith("data.pkl") && e.name.split("/").length === 2);
  if (!pkl) {
    throw new ParseError(
      file,
      {},
      `not a torch.save archive: no <name>/data.pkl member (found ${zip.entries
        .slice(0, 5)
        .map((e) => e.name)
        .join(", ")})`,
    );
  }
  const prefix = pkl.name.slice(0, -"data.pkl".length);
  if (zip.has(`${prefix}byteorder`)) {
    const order = new TextDecoder().decode(zip.read(`${prefix}byteorder`)).trim();
    if (order !== "little") throw new ParseError(file, {}, `storages are ${order}-endian; only little-endian files are supported`);
  }
  return unpickleTorch(zip, prefix, zip.read(pkl.name), `${file}:${pkl.name}`);
}

function unpickleTorch(zip: ZipArchive, prefix: string, pkl: Uint8Array, where: string): unknown {
  const storages = new Map<string, TorchData>();
  const loadStorage = (ref: StorageRef, at: number): TorchData => {
    let data = storages.get(ref.key);
    if (!data) {
      const name = `${prefix}data/${ref.key}`;
      if (!zip.has(name)) throw new ParseError(where, { byteOffset: at }, `storage ${ref.key} has no member ${name}`);
      const bytes = zip.read(name);
      const needBytes = ref.numel * TORCH_DTYPES[ref.dtype].bytes;
      if (bytes.length < needBytes) {
        throw new ParseError(
          where,
          { byteOffset: at },
          `storage ${name}: ${ref.numel} ${ref.dtype} values need ${needBytes} bytes; the member has ${bytes.length}`,
        );
      }
      data = decodeElements(bytes, ref.dtype, ref.numel);
      storages.set(ref.key, data);
    }
    return data;
  };

  const globals = new Map<string, AllowedGlobal>();
  const allow = (g: AllowedGlobal) => globals.set(g.qualifiedName, g);
  allow({ qualifiedName: "collections.OrderedDict", call: () => new Map(), build: (obj) => obj });
  allow({
    qualifiedName: "torch._utils._rebuild_tensor_v2",
    call: (args, at) => {
      const fail = (w: string): never => {
        throw new ParseError(where, { byteOffset: at }, `_rebuild_tensor_v2: ${w}`);
      };
      const [ref, offset, sizeArg, strideArg] = args;
      if (!isStorageRef(ref)) return fail(`first argument must be a storage; found ${describe(ref)}`);
      if (typeof offset !== "number" || !Number.isInteger(offset) || offset < 0) return fail(`bad storage offset ${describe(offset)}`);
      const shape = checkIntList(sizeArg, "size", fail);
      const stride = checkIntList(strideArg, "stride", fail);
      if (stride.length !== shape.length) fail(`size has ${shape.length} dimensions but stride has ${stride.length}`);
      const n = numel(shape);
      const last = n === 0 ? offset : offset + shape.reduce((s, d, i) => s + (d - 1) * stride[i]!, 0);
      if (n > 0 && last >= ref.numel) {
        fail(
          `a view of size [${shape.join(",")}] stride [${stride.join(",")}] at offset ${offset} reaches element ${last} of storage ${ref.key}, which has ${ref.numel}`,
        );
      }
      const storage = loadStorage(ref, at);
      return { dtype: ref.dtype, shape: [...shape], data: gather(storage, offset, shape, stride) } satisfies TorchTensor;
    },
  });
  allow({
    // nn.Parameter saved directly: keep the tensor, drop requires_grad and hooks.
    qualifiedName: "torch._utils._rebuild_parameter",
    call: (args, at) => {
      if (!isTorchTensor(args[0]))
        throw new ParseError(where, { byteOffset: at }, `_rebuild_parameter: expected a tensor; found ${describe(args[0])}`);
      return args[0];
    },
  });
  allowNumpyScalars(allow, where);
  for (const [dtype, info] of Object.entries(TORCH_DTYPES)) {
    const storageClass: StorageClass = {
      qualifiedName: `torch.${info.storage}`,
      storageDtype: dtype as TorchDType,
      call: (_args, at) => {
        throw new ParseError(where, { byteOffset: at }, `torch.${info.storage} may only appear in a storage reference`);
      },
    };
    allow(storageClass);
  }

  return unpickle(pkl, where, {
    findGlobal(module, name, at) {
      const g = globals.get(`${module}.${name}`);
      if (!g) {
        throw new ParseError(
          where,
          { byteOffset: at },
          `refusing to load ${module}.${name}: only state dicts (dicts of tensors, numbers, strings) can be read, and loading other ` +
            "Python objects could run code from the file; in Python, save model.state_dict() rather than the model",
        );
      }
      return g;
    },
    persistentLoad(pid, at) {
      const fail = (w: string): never => {
        throw new ParseError(where, { byteOffset: at }, `storage reference: ${w}`);
      };
      if (!Array.isArray(pid) || pid.length !== 5 || pid[0] !== "storage") {
        return fail(`expected ('storage', type, key, location, numel); found ${describe(pid)}`);
      }
      const [, cls, key, , count] = pid as unknown[];
      if (!isStorageClass(cls)) return fail(`expected a storage class; found ${describe(cls)}`);
      if (typeof key !== "string") return fail(`storage key must be a string; found ${describe(key)}`);
      if (typeof count !== "number" || !Number.isInteger(count) || count < 0)
        return fail(`storage size must be a count; found ${describe(count)}`);
      return { dtype: cls.storageDtype, key, numel: count } satisfies StorageRef;
    },
  });
}

interface NumpyDtype {
  numpyDtype: string;
  byteOrder: string;
}

/** NumPy scalar sizes by dtype string ("f8", "i8", …). */
const NUMPY_SCALARS: Record<string, { bytes: number; read(dv: DataView, little: boolean): number | bigint | boolean }> = {
  f8: { bytes: 8, read: (dv, le) => dv.getFloat64(0, le) },
  f4: { bytes: 4, read: (dv, le) => dv.getFloat32(0, le) },
  i8: { bytes: 8, read: (dv, le) => safe(dv.getBigInt64(0, le)) },
  u8: { bytes: 8, read: (dv, le) => safe(dv.getBigUint64(0, le)) },
  i4: { bytes: 4, read: (dv, le) => dv.getInt32(0, le) },
  u4: { bytes: 4, read: (dv, le) => dv.getUint32(0, le) },
  i2: { bytes: 2, read: (dv, le) => dv.getInt16(0, le) },
  u2: { bytes: 2, read: (dv, le) => dv.getUint16(0, le) },
  i1: { bytes: 1, read: (dv) => dv.getInt8(0) },
  u1: { bytes: 1, read: (dv) => dv.getUint8(0) },
  b1: { bytes: 1, read: (dv) => dv.getUint8(0) !== 0 },
};

function safe(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/**
 * NumPy scalars (np.float64(0.87) as a best score, np.int64 as an epoch) are
 * common in training checkpoints. They pickle as numpy.dtype + raw bytes, so
 * decoding them needs no code from the file.
 */
function allowNumpyScalars(allow: (g: AllowedGlobal) => void, where: string): void {
  allow({
    qualifiedName: "_codecs.encode",
    call: ([text, encoding], at) => {
      if (typeof text !== "string" || encoding !== "latin1") {
        throw new ParseError(
          where,
          { byteOffset: at },
          `_codecs.encode: only latin1 byte strings are supported; found ${describe(encoding)}`,
        );
      }
      return Uint8Array.from(text, (c) => c.charCodeAt(0));
    },
  });
  const dtype: AllowedGlobal = {
    qualifiedName: "numpy.dtype",
    call: ([name], at) => {
      if (typeof name !== "string")
        throw new ParseError(where, { byteOffset: at }, `numpy.dtype: expected a type string; found ${describe(name)}`);
      return { numpyDtype: name, byteOrder: "<" } satisfies NumpyDtype;
    },
    build: (obj, state) => {
      const order: unknown = Array.isArray(state) ? state[1] : undefined;
      if (typeof order === "string") (obj as NumpyDtype).byteOrder = order;
      return obj;
    },
  };
  allow(dtype);
  for (const module of ["numpy.core.multiarray", "numpy._core.multiarray"]) {
    allow({
      qualifiedName: `${module}.scalar`,
      call: ([type, bytes], at) => {
        const fail = (w: string): never => {
          throw new ParseError(where, { byteOffset: at }, `numpy scalar: ${w}`);
        };
        if (!type || typeof type !== "object" || !("numpyDtype" in type)) return fail(`expected a numpy.dtype; found ${describe(type)}`);
        const { numpyDtype, byteOrder } = type as NumpyDtype;
        const kind = NUMPY_SCALARS[numpyDtype];
        if (!kind) return fail(`dtype ${numpyDtype} is not supported (expected one of ${Object.keys(NUMPY_SCALARS).join(", ")})`);
        if (!(bytes instanceof Uint8Array) || bytes.length !== kind.bytes) return fail(`a ${numpyDtype} needs ${kind.bytes} bytes`);
        return kind.read(new DataView(bytes.buffer, bytes.byteOffset, bytes.length), byteOrder !== ">");
      },
    });
  }
}

/** Reads a torch.save file from disk. */
export function readTorchFile(file: string): unknown {
  return readTorch(fs.readFileSync(file), file);
}

function tensorEntries(m: Map<unknown, unknown>): boolean {
  return m.size > 0 && [...m.entries()].every(([k, v]) => typeof k === "string" && isTorchTensor(v));
}

/**
 * The state dict in a checkpoint: the object itself when it maps names to
 * tensors, else the first of STATE_DICT_KEYS that does.
 */
export function stateDictOf(value: unknown, file = "<torch>"): StateDict {
  if (value instanceof Map) {
    if (tensorEntries(value)) return value as StateDict;
    for (const key of STATE_DICT_KEYS) {
      const inner: unknown = value.get(key);
      if (inner instanceof Map && tensorEntries(inner)) return inner as StateDict;
    }
    const keys = [...value.keys()].slice(0, 10).map((k) => JSON.stringify(k));
    const notTensor = [...value.entries()].find(([, v]) => !isTorchTensor(v));
    throw new WorkbenchError(
      `${file}: no state dict found: the top-level dict (keys ${keys.join(", ")}${value.size > 10 ? ", …" : ""}) ` +
        `is not all tensors (${JSON.stringify(notTensor?.[0])} is ${describe(notTensor?.[1])}) and has no ${STATE_DICT_KEYS.join("/")} entry holding one`,
    );
  }
  throw new WorkbenchError(`${file}: expected a dict (a state dict or a checkpoint holding one); found ${describe(value)}`);
}

/** Reads the model state dict of a .pth / .pt checkpoint file. */
export function loadStateDict(file: string): StateDict {
  return stateDictOf(readTorchFile(file), file);
}

/** A value torch.save could write: containers of numbers, strings and tensors. */
export type TorchValue = PickleValue | TorchTensor | Map<string | number, TorchValue> | TorchValue[] | { [key: string]: TorchValue };

/**
 * Encodes `value` (typically a StateDict) as a torch.save zip archive that
 * torch.load reads. Maps become OrderedDicts, plain objects dicts, arrays
 * lists; each tensor gets its own contiguous storage.
 */
export function writeTorch(value: TorchValue, archiveName = "archive"): Uint8Array {
  const storages: Uint8Array[] = [];
  const tensorPickler = (v: unknown): PickleValue | undefined => {
    if (!isTorchTensor(v)) return undefined;
    const n = numel(v.shape);
    if (v.data.length !== n) {
      throw new WorkbenchError(
        `writeTorch: a ${v.dtype} tensor of shape [${v.shape.join(", ")}] needs ${n} values; it has ${v.data.length}`,
      );
    }
    const key = String(storages.length);
    storages.push(encodeElements(v));
    const stride = v.shape.map((_, i) => numel(v.shape.slice(i + 1)));
    return new PyReduce(
      new PyGlobal("torch._utils", "_rebuild_tensor_v2"),
      new PyTuple([
        new PyPersistent(new PyTuple(["storage", new PyGlobal("torch", TORCH_DTYPES[v.dtype].storage), key, "cpu", n])),
        0,
        new PyTuple(v.shape),
        new PyTuple(stride),
        false,
        new PyReduce(new PyGlobal("collections", "OrderedDict"), new PyTuple([])),
      ]),
    );
  };
  const pkl = pickle(value, tensorPickler);
  return writeZip(
    [
      { name: `${archiveName}/data.pkl`, data: pkl },
      ...storages.map((data, i) => ({ name: `${archiveName}/data/${i}`, data })),
      { name: `${archiveName}/version`, data: new TextEncoder().encode("3\n") },
    ],
    { align: 64 },
  );
}

/** Writes `value` as a .pth file (atomically). */
export function writeTorchFile(file: string, value: TorchValue): void {
  writeFileAtomic(file, writeTorch(value));
}
