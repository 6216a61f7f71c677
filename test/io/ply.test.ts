import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { ParseError } from "../../lib/core";
import { readPly, readPlyFile, writePly } from "../../lib/io";
import { sampleMesh } from "../../lib/neuron";

const FIX = path.resolve(__dirname, "../fixtures/io");
const fx = (f: string): string => path.join(FIX, f);
const CUBE_V = [0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1, 0, 1, 1, 1, 0, 1, 1, 1];

test("ASCII and binary meshes read the same cube, quads fan-triangulated, extra properties skipped", () => {
  for (const f of ["cube_ascii.ply", "cube_binary_le.ply"]) {
    const m = readPlyFile(fx(f));
    assert.deepEqual(Array.from(m.vertices), CUBE_V, f);
    assert.equal(m.triangles.length, 36, f);
    assert.deepEqual(Array.from(m.triangles.subarray(0, 6)), [0, 1, 3, 0, 3, 2], f);
  }
  assert.deepEqual(readPlyFile(fx("cube_binary_le.ply")).elements, [
    { name: "vertex", count: 8 },
    { name: "edge", count: 2 },
    { name: "face", count: 6 },
  ]);
});

test("a big-endian point cloud with a property before x", () => {
  const m = readPlyFile(fx("points_binary_be.ply"));
  assert.equal(m.format, "binary_big_endian");
  assert.deepEqual(Array.from(m.vertices), [0, 0, 0, 1, 2, -1, 2, 4, -2]);
  assert.equal(m.triangles.length, 0);
});

test("broken files name the line or byte and the problem", () => {
  const expectErr = (f: string, where: { line?: number; byteOffset?: number }, what: RegExp): void => {
    assert.throws(
      () => readPlyFile(fx(f)),
      (e: unknown) => e instanceof ParseError && e.line === where.line && e.byteOffset === where.byteOffset && what.test(e.message),
      f,
    );
  };
  expectErr("face_index_out_of_range.ply", { line: 13 }, /face refers to vertex 3; there are 3 vertices/);
  expectErr("vertex_without_z.ply", { line: 3 }, /vertex element needs scalar properties x, y and z; found x, y/);
  expectErr("truncated_binary.ply", { byteOffset: 559 }, /file ends inside face 5/);
  assert.throws(() => readPly(Buffer.from("ply\nformat ascii 2.0\nend_header\n"), "v.ply"), /v.ply:2: PLY version 2.0 is not supported/);
  assert.throws(
    () => readPly(Buffer.from("ply\nformat utf8 1.0\nend_header\n"), "u.ply"),
    /u.ply:2: PLY format: expected one of "ascii", "binary_little_endian", "binary_big_endian"; found "utf8"/,
  );
  assert.throws(() => readPly(Buffer.from("solid cube\n"), "stl.ply"), /stl.ply:1: not a PLY file/);
});

test("writePly round-trips clouds and meshes in every format", () => {
  const v = Float32Array.from(CUBE_V);
  const tris = readPlyFile(fx("cube_ascii.ply")).triangles;
  for (const format of ["ascii", "binary_little_endian", "binary_big_endian"] as const) {
    const mesh = readPly(writePly(v, { triangles: tris, format, comment: "test" }));
    assert.deepEqual(mesh.vertices, v);
    assert.deepEqual(mesh.triangles, tris);
    assert.equal(readPly(writePly(v, { format })).triangles.length, 0);
  }
});

test("mesh sampling is area-weighted and stays on the surface", () => {
  const cube = readPlyFile(fx("cube_binary_le.ply"));
  const n = 60_000;
  const pts = sampleMesh(cube.vertices, cube.triangles, { count: n, random: 4 });
  const perFace = new Array(6).fill(0);
  for (let i = 0; i < n; i++) {
    const p = [pts[3 * i]!, pts[3 * i + 1]!, pts[3 * i + 2]!];
    const a = p.findIndex((c) => c === 0 || c === 1);
    assert.ok(a >= 0 && p.every((c) => c >= 0 && c <= 1), `point ${p.join(",")} is not on the cube`);
    perFace[2 * a + p[a]!]++;
  }
  for (const c of perFace) assert.ok(Math.abs(c / n - 1 / 6) < 0.01, `face share ${c / n}`);
  // Two triangles of area 0.5 and 1.5: three times as many points on the second.
  const v = Float32Array.from([0, 0, 0, 1, 0, 0, 0, 1, 0, 10, 0, 0, 13, 0, 0, 10, 1, 0]);
  const two = sampleMesh(v, Uint32Array.from([0, 1, 2, 3, 4, 5]), { count: 40_000, random: 9 });
  let big = 0;
  for (let i = 0; i < 40_000; i++) if (two[3 * i]! >= 10) big++;
  assert.ok(Math.abs(big / 40_000 - 0.75) < 0.01, `share ${big / 40_000}`);
  assert.deepEqual(sampleMesh(v, new Uint32Array(0), { count: 2 }), v.subarray(0, 6));
});
