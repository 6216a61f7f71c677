import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ParseError } from "../../lib/core";
import { readZip, writeZip } from "../../lib/io";
import {
  loadStateDict,
  readTorch,
  readTorchFile,
  stateDictOf,
  unpickle,
  writeTorch,
  writeTorchFile,
  type StateDict,
  type TorchTensor,
} from "../../lib/interop";
import { python, pytorch } from "../helpers/python";
import { requires } from "../helpers/requires";

const fixtures = path.resolve(__dirname, "../fixtures/torch");
const fixture = (name: string) => path.join(fixtures, name);
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "interop-"));

function values(t: TorchTensor): number[] {
  return Array.from(t.data as ArrayLike<number | bigint>, Number);
}

test("reads dtypes, views with offsets and strides, scalars and nested checkpoint values", () => {
  const top = readTorchFile(fixture("dtypes_and_views.pth")) as Map<string, unknown>;
  assert.ok(top instanceof Map);
  assert.equal(top.get("epoch"), 3);
  assert.deepEqual(top.get("betas"), [0.9, 0.999]);
  assert.deepEqual(top.get("flags"), [true, false, null]);
  assert.equal(top.get("name"), "unicode ✓");
  assert.equal(top.get("big"), 2n ** 70n);
  assert.equal(top.get("neg"), -5);
  assert.equal(top.get("lr"), 1e-3);

  const sd = stateDictOf(top, "dtypes_and_views.pth");
  assert.deepEqual([...sd.keys()], ["f32", "f16", "f64", "i64", "transposed", "offset_slice", "stepped", "scalar", "empty"]);
  const f32 = sd.get("f32")!;
  assert.equal(f32.dtype, "float32");
  assert.deepEqual(f32.shape, [2, 3]);
  assert.deepEqual(values(f32), [0, 0.25, 0.5, 0.75, 1, 1.25]);
  const f16 = sd.get("f16")!;
  assert.equal(f16.dtype, "float16");
  // Half precision: 6.1035e-05 is the smallest normal, 5.96e-08 the smallest subnormal.
  assert.deepEqual(values(f16), [0.5, -2, 65504, 2 ** -14, 2 ** -24]);
  assert.equal(sd.get("f64")!.dtype, "float64");
  assert.deepEqual(
    values(sd.get("f64")!),
    Array.from({ length: 24 }, (_, i) => i),
  );
  assert.deepEqual(Array.from(sd.get("i64")!.data as BigInt64Array), [-(2n ** 40n), 0n, 7n]);

  const base = (r: number, c: number) => r * 6 + c;
  const t = sd.get("transposed")!;
  assert.deepEqual(t.shape, [6, 4]);
  assert.deepEqual(
    values(t),
    Array.from({ length: 24 }, (_, i) => base(i % 4, Math.floor(i / 4))),
  );
  const o = sd.get("offset_slice")!;
  assert.deepEqual(o.shape, [2, 3]);
  assert.deepEqual(values(o), [base(1, 2), base(1, 3), base(1, 4), base(2, 2), base(2, 3), base(2, 4)]);
  const s = sd.get("stepped")!;
  assert.deepEqual(s.shape, [4, 3]);
  assert.deepEqual(values(s), [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22]);
  assert.deepEqual(sd.get("scalar")!.shape, []);
  assert.deepEqual(Array.from(sd.get("scalar")!.data as BigInt64Array), [1234n]);
  assert.deepEqual(sd.get("empty")!.shape, [0, 3]);
  assert.equal(sd.get("empty")!.data.length, 0);
});

test("finds the state dict of a training checkpoint (model_state_dict next to optimizer state)", () => {
  const sd = loadStateDict(fixture("autoencoder_g32_b4.pth"));
  assert.ok(sd.has("incoming.block.i_branch.weight"));
  assert.deepEqual(sd.get("incoming.block.double_conv.0.weight")!.shape, [4, 1, 3, 3, 3]);
  const top = readTorchFile(fixture("autoencoder_g32_b4.pth")) as Map<string, unknown>;
  const groups = (top.get("optimizer_state_dict") as Map<string, unknown>).get("param_groups") as Map<string, unknown>[];
  assert.deepEqual(groups[0]?.get("betas"), [0.9, 0.999]);
  assert.equal(groups[0].get("weight_decay"), 0.01);
});

test("decodes NumPy scalars in checkpoints (scores and counters saved as np.float64 / np.int64)", () => {
  const top = readTorchFile(fixture("numpy_scalars.pth")) as Map<string, unknown>;
  assert.equal(top.get("best_val_f1"), 0.867);
  assert.equal(top.get("epoch"), 5);
  assert.equal(top.get("loss"), 0.25);
  assert.equal(top.get("flag"), true);
  assert.equal(top.get("big"), -(2n ** 60n));
  assert.deepEqual([...stateDictOf(top).keys()], ["w"]);
});

test("reads pickle protocol 4 (FRAME, MEMOIZE, STACK_GLOBAL, SHORT_BINUNICODE)", () => {
  const top = readTorchFile(fixture("pickle_protocol4.pth")) as Map<string, unknown>;
  assert.equal(top.get("step"), 7);
  const sd = stateDictOf(top);
  assert.deepEqual(values(sd.get("a")!), [0, 1, 2]);
  assert.deepEqual(values(sd.get("b")!), [1, 2]);
});

test("refuses opcodes that build arbitrary objects, naming the opcode and offset", () => {
  const hooks = {
    findGlobal: () => {
      throw new Error("not reached");
    },
    persistentLoad: () => null,
  };
  // Protocol 0 INST: "i" module\n name\n after a MARK.
  const inst = new Uint8Array(Buffer.from("\x80\x02(ios\nsystem\n.", "latin1"));
  assert.throws(() => unpickle(inst, "inst.pkl", hooks), /inst\.pkl@3: pickle opcode INST is not allowed here/);
  assert.throws(
    () => unpickle(new Uint8Array([0x80, 0x02, 0x68, 0x05, 0x2e]), "memo.pkl", hooks),
    /memo\.pkl@2: memo entry 5 was never stored/,
  );
  assert.throws(
    () => unpickle(new Uint8Array([0x80, 0x02, 0x4e, 0x4e, 0x2e]), "two.pkl", hooks),
    /two\.pkl@4: pickle ended with 2 values on the stack/,
  );
});

test("refuses globals other than containers and tensors, without running anything", () => {
  assert.throws(
    () => readTorchFile(fixture("refuses_os_system.pth")),
    (e: unknown) =>
      e instanceof ParseError &&
      /refuses_os_system\.pth:refuses_os_system\/data\.pkl@\d+: refusing to load posix\.system: only state dicts/.test(e.message),
  );
  assert.throws(
    () => readTorchFile(fixture("refuses_whole_module.pth")),
    /refusing to load torch\.nn\.modules\.linear\.Linear: .*save model\.state_dict\(\) rather than the model/,
  );
});

test("explains the legacy format and rejects damaged pickles with byte offsets", () => {
  assert.throws(
    () => readTorchFile(fixture("legacy_format.pth")),
    /legacy_format\.pth@0: this is the legacy \(pre-1\.6, non-zip\) torch\.save format/,
  );
  assert.throws(() => readTorch(new Uint8Array(100), "zeros.pth"), /zeros\.pth@78: not a zip archive/);

  // A truncated data.pkl inside an otherwise valid archive.
  const good = writeTorch(new Map([["w", { dtype: "float32", shape: [2], data: new Float32Array([1, 2]) }]]));
  const zip = readZip(good, "good.pth");
  const pkl = zip.read("archive/data.pkl");
  const cut = writeZip([
    { name: "archive/data.pkl", data: pkl.slice(0, 40) },
    { name: "archive/data/0", data: zip.read("archive/data/0") },
  ]);
  assert.throws(() => readTorch(cut, "cut.pth"), /cut\.pth:archive\/data\.pkl@\d+: truncated pickle/);
  assert.throws(() => stateDictOf(42, "x.pth"), /x\.pth: expected a dict \(a state dict or a checkpoint holding one\); found 42/);
  assert.throws(
    () => stateDictOf(new Map<string, unknown>([["epoch", 3]]), "x.pth"),
    /x\.pth: no state dict found: the top-level dict \(keys "epoch"\) is not all tensors \("epoch" is 3\)/,
  );
});

const everyDtype: StateDict = new Map<string, TorchTensor>([
  ["f32", { dtype: "float32", shape: [2, 2], data: new Float32Array([1.5, -2, 3.25, 0]) }],
  ["f64", { dtype: "float64", shape: [3], data: new Float64Array([Math.PI, -1e-300, 1e300]) }],
  ["f16", { dtype: "float16", shape: [4], data: new Float32Array([0.5, -65504, 2 ** -24, 1 / 3]) }],
  ["i64", { dtype: "int64", shape: [2], data: new BigInt64Array([-(2n ** 62n), 5n]) }],
  ["scalar", { dtype: "int64", shape: [], data: new BigInt64Array([7n]) }],
  ["u8", { dtype: "uint8", shape: [1, 3], data: new Uint8Array([0, 128, 255]) }],
  ["bf16", { dtype: "bfloat16", shape: [3], data: new Float32Array([1, -0.5, 3.140625]) }],
  ["i32", { dtype: "int32", shape: [2], data: new Int32Array([-(2 ** 31), 2 ** 31 - 1]) }],
  ["i16", { dtype: "int16", shape: [2], data: new Int16Array([-32768, 32767]) }],
  ["i8", { dtype: "int8", shape: [2], data: new Int8Array([-128, 127]) }],
  ["bool", { dtype: "bool", shape: [2], data: new Uint8Array([1, 0]) }],
]);

test("writeTorch → readTorch keeps dtypes, shapes and values (half rounds to nearest)", () => {
  const back = stateDictOf(readTorch(writeTorch(everyDtype), "roundtrip.pth"));
  assert.deepEqual([...back.keys()], [...everyDtype.keys()]);
  for (const [key, t] of everyDtype) {
    const b = back.get(key)!;
    assert.equal(b.dtype, t.dtype, key);
    assert.deepEqual(b.shape, t.shape, key);
    if (key !== "f16") assert.deepEqual(Array.from(b.data as ArrayLike<unknown>), Array.from(t.data as ArrayLike<unknown>), key);
  }
  // 1/3 in half precision is 0.333251953125.
  assert.deepEqual(values(back.get("f16")!), [0.5, -65504, 2 ** -24, 0.333251953125]);
});

test("torch.load reads what writeTorchFile writes, nested checkpoints included", (t) => {
  if (!requires(t, pytorch)) return;
  const dir = tmp();
  const file = path.join(dir, "every_dtype.pth");
  writeTorchFile(file, { model_state_dict: everyDtype, iteration: 12, lr: 0.001, name: "x", betas: [0.9, 0.999] });
  const out = python([
    "-c",
    `import sys, torch
c = torch.load(sys.argv[1])
sd = c["model_state_dict"]
print(c["iteration"], c["lr"], c["name"], list(c["betas"]))
for k, v in sd.items():
    print(k, str(v.dtype).replace("torch.", ""), list(v.shape), v.flatten().tolist())`,
    file,
  ]);
  assert.equal(
    out.trim(),
    [
      "12 0.001 x [0.9, 0.999]",
      "f32 float32 [2, 2] [1.5, -2.0, 3.25, 0.0]",
      "f64 float64 [3] [3.141592653589793, -1e-300, 1e+300]",
      "f16 float16 [4] [0.5, -65504.0, 5.960464477539063e-08, 0.333251953125]",
      "i64 int64 [2] [-4611686018427387904, 5]",
      "scalar int64 [] [7]",
      "u8 uint8 [1, 3] [0, 128, 255]",
      "bf16 bfloat16 [3] [1.0, -0.5, 3.140625]",
      "i32 int32 [2] [-2147483648, 2147483647]",
      "i16 int16 [2] [-32768, 32767]",
      "i8 int8 [2] [-128, 127]",
      "bool bool [2] [True, False]",
    ].join("\n"),
  );
});
