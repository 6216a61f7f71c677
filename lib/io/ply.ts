import * as fs from "node:fs";
import { ParseError, checkChoice, writeFileAtomic } from "../core";

/**
 * PLY point clouds and meshes (ASCII, binary little and big endian). Vertices
 * come back as interleaved float32 x y z; faces (any polygon, fan-triangulated)
 * as vertex-index triples. Other elements and properties (normals, colours,
 * edges) are read past and ignored.
 */
export interface PlyData {
  file: string;
  format: PlyFormat;
  /** x, y, z per vertex. */
  vertices: Float32Array;
  /** Three vertex indices per triangle; empty for a point cloud. */
  triangles: Uint32Array;
  /** Element names and counts as the header lists them. */
  elements: Array<{ name: string; count: number }>;
}

export type PlyFormat = "ascii" | "binary_little_endian" | "binary_big_endian";
const FORMATS: readonly PlyFormat[] = ["ascii", "binary_little_endian", "binary_big_endian"];

type Scalar = "int8" | "uint8" | "int16" | "uint16" | "int32" | "uint32" | "float32" | "float64";
const TYPE_ALIASES: Record<string, Scalar> = {
  char: "int8",
  int8: "int8",
  uchar: "uint8",
  uint8: "uint8",
  short: "int16",
  int16: "int16",
  ushort: "uint16",
  uint16: "uint16",
  int: "int32",
  int32: "int32",
  uint: "uint32",
  uint32: "uint32",
  float: "float32",
  float32: "float32",
  double: "float64",
  float64: "float64",
};
const SIZE: Record<Scalar, number> = { int8: 1, uint8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, float32: 4, float64: 8 };

interface Property {
  name: string;
  type: Scalar;
  /** Set for list properties: the type of the count that precedes the items. */
  countType?: Scalar;
}

interface Element {
  name: string;
  count: number;
  props: Property[];
  line: number;
}

function readScalar(dv: DataView, at: number, t: Scalar, le: boolean): number {
  switch (t) {
    case "int8":
      return dv.getInt8(at);
    case "uint8":
      return dv.getUint8(at);
    case "int16":
      return dv.getInt16(at, le);
    case "uint16":
      return dv.getUint16(at, le);
    case "int32":
      return dv.getInt32(at, le);
    case "uint32":
      return dv.getUint32(at, le);
    case "float32":
      return dv.getFloat32(at, le);
    case "float64":
      return dv.getFloat64(at, le);
  }
}

export function readPly(bytes: Uint8Array, file = "<ply>"): PlyData {
  // The header is ASCII and ends with a line "end_header".
  const headEnd = findHeaderEnd(bytes);
  if (!headEnd) throw new ParseError(file, { line: 1 }, 'not a PLY file: no "end_header" line found');
  const header = Buffer.from(bytes.buffer, bytes.byteOffset, headEnd.textEnd).toString("latin1").split(/\r?\n/);
  if (header[0]?.trim() !== "ply")
    throw new ParseError(file, { line: 1 }, `not a PLY file: expected "ply" on the first line, found "${header[0]?.slice(0, 40)}"`);
  let format: PlyFormat | undefined;
  const elements: Element[] = [];
  for (let i = 1; i < header.length; i++) {
    const line = i + 1;
    const f = header[i]!.trim().split(/\s+/);
    const kw = f[0];
    if (kw === "" || kw === "comment" || kw === "obj_info" || kw === "end_header") continue;
    if (kw === "format") {
      try {
        format = checkChoice("PLY format", f[1], FORMATS);
      } catch (e) {
        throw new ParseError(file, { line }, (e as Error).message, { cause: e });
      }
      if (f[2] !== "1.0") throw new ParseError(file, { line }, `PLY version ${f[2]} is not supported (1.0 is)`);
    } else if (kw === "element") {
      const count = Number(f[2]);
      if (f.length !== 3 || !Number.isSafeInteger(count) || count < 0) {
        throw new ParseError(file, { line }, `expected "element <name> <count>", found "${header[i]}"`);
      }
      elements.push({ name: f[1]!, count, props: [], line });
    } else if (kw === "property") {
      const el = elements[elements.length - 1];
      if (!el) throw new ParseError(file, { line }, "property before any element");
      if (f[1] === "list") {
        const countType = TYPE_ALIASES[f[2] ?? ""];
        const type = TYPE_ALIASES[f[3] ?? ""];
        if (!countType || !type || f.length !== 5) {
          throw new ParseError(file, { line }, `expected "property list <count type> <item type> <name>", found "${header[i]}"`);
        }
        el.props.push({ name: f[4]!, type, countType });
      } else {
        const type = TYPE_ALIASES[f[1] ?? ""];
        if (!type || f.length !== 3) {
          throw new ParseError(
            file,
            { line },
            `expected "property <type> <name>" with a type among ${Object.keys(TYPE_ALIASES).join(", ")}, found "${header[i]}"`,
          );
        }
        el.props.push({ name: f[2]!, type });
      }
    } else {
      throw new ParseError(file, { line }, `unknown header keyword "${kw}"`);
    }
  }
  if (!format) throw new ParseError(file, { line: 2 }, 'missing "format" line');
  const vertex = elements.find((e) => e.name === "vertex");
  if (!vertex) throw new ParseError(file, {}, 'no "vertex" element');
  const axes = ["x", "y", "z"].map((n) => vertex.props.findIndex((p) => p.name === n && !p.countType));
  if (axes.some((a) => a < 0)) {
    throw new ParseError(
      file,
      { line: vertex.line },
      `vertex element needs scalar properties x, y and z; found ${vertex.props.map((p) => p.name).join(", ")}`,
    );
  }
  const face = elements.find((e) => e.name === "face");
  const faceProp = face ? face.props.findIndex((p) => p.countType && (p.name === "vertex_indices" || p.name === "vertex_index")) : -1;
  if (face && face.count > 0 && faceProp < 0) {
    throw new ParseError(file, { line: face.line }, 'face element needs a list property "vertex_indices" (or "vertex_index")');
  }

  // Counts come from the header; before allocating for them, check that the data could hold that many rows.
  const available = bytes.length - headEnd.dataStart;
  for (const el of elements) {
    const rowBytes = format === "ascii" ? 2 * el.props.length : el.props.reduce((sum, p) => sum + SIZE[p.countType ?? p.type], 0);
    if (el.count * rowBytes > available + 1) {
      throw new ParseError(
        file,
        { line: el.line },
        `element "${el.name}" declares ${el.count} rows of at least ${rowBytes} bytes, more than the ${available} bytes of data after the header`,
      );
    }
  }

  const vertices = new Float32Array(3 * vertex.count);
  const tris: number[] = [];
  const addPolygon = (idx: number[], where: { line?: number; byteOffset?: number }): void => {
    for (const v of idx) {
      if (!(v >= 0 && v < vertex.count) || !Number.isInteger(v)) {
        throw new ParseError(file, where, `face refers to vertex ${v}; there are ${vertex.count} vertices`);
      }
    }
    for (let k = 1; k + 1 < idx.length; k++) tris.push(idx[0]!, idx[k]!, idx[k + 1]!);
  };

  if (format === "ascii") {
    const body = Buffer.from(bytes.buffer, bytes.byteOffset + headEnd.dataStart, bytes.length - headEnd.dataStart).toString("latin1");
    const lines = body.split(/\r?\n/);
    let li = 0;
    const lineBase = header.length;
    const nextTokens = (): { f: string[]; line: number } => {
      while (li < lines.length && lines[li]!.trim() === "") li++;
      if (li >= lines.length) throw new ParseError(file, { line: lineBase + li }, "file ends before all elements were read");
      const line = lineBase + li + 1;
      return { f: lines[li++]!.trim().split(/\s+/), line };
    };
    for (const el of elements) {
      for (let r = 0; r < el.count; r++) {
        const { f, line } = nextTokens();
        let t = 0;
        const take = (): number => {
          if (t >= f.length) throw new ParseError(file, { line }, `${el.name} ${r}: too few values`);
          const v = Number(f[t++]);
          if (!Number.isFinite(v)) throw new ParseError(file, { line }, `${el.name} ${r}: expected a number, found "${f[t - 1]}"`);
          return v;
        };
        for (let p = 0; p < el.props.length; p++) {
          const prop = el.props[p]!;
          if (prop.countType) {
            const n = take();
            if (!Number.isInteger(n) || n < 0)
              throw new ParseError(file, { line }, `${el.name} ${r}: list length must be a non-negative integer, found ${n}`);
            const items: number[] = [];
            for (let k = 0; k < n; k++) items.push(take());
            if (el === face && p === faceProp) addPolygon(items, { line });
          } else {
            const v = take();
            if (el === vertex) {
              const a = axes.indexOf(p);
              if (a >= 0) vertices[3 * r + a] = v;
            }
          }
        }
      }
    }
  } else {
    const le = format === "binary_little_endian";
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let at = headEnd.dataStart;
    const need = (n: number, what: string): void => {
      if (at + n > bytes.length) throw new ParseError(file, { byteOffset: at }, `file ends inside ${what}`);
    };
    for (const el of elements) {
      const fixed = el.props.every((p) => !p.countType);
      if (fixed && el !== vertex) {
        // Elements we do not use and whose rows have a fixed size are skipped whole.
        const row = el.props.reduce((s, p) => s + SIZE[p.type], 0);
        need(row * el.count, `element "${el.name}"`);
        at += row * el.count;
        continue;
      }
      for (let r = 0; r < el.count; r++) {
        for (let p = 0; p < el.props.length; p++) {
          const prop = el.props[p]!;
          if (prop.countType) {
            need(SIZE[prop.countType], `${el.name} ${r}`);
            const start = at;
            const n = readScalar(dv, at, prop.countType, le);
            at += SIZE[prop.countType];
            need(n * SIZE[prop.type], `${el.name} ${r}`);
            if (el === face && p === faceProp) {
              const items = new Array<number>(n);
              for (let k = 0; k < n; k++) items[k] = readScalar(dv, at + k * SIZE[prop.type], prop.type, le);
              addPolygon(items, { byteOffset: start });
            }
            at += n * SIZE[prop.type];
          } else {
            need(SIZE[prop.type], `${el.name} ${r}`);
            if (el === vertex) {
              const a = axes.indexOf(p);
              if (a >= 0) vertices[3 * r + a] = readScalar(dv, at, prop.type, le);
            }
            at += SIZE[prop.type];
          }
        }
      }
    }
  }
  return {
    file,
    format,
    vertices,
    triangles: Uint32Array.from(tris),
    elements: elements.map((e) => ({ name: e.name, count: e.count })),
  };
}

function findHeaderEnd(bytes: Uint8Array): { textEnd: number; dataStart: number } | null {
  const limit = Math.min(bytes.length, 1 << 20);
  const needle = "end_header";
  for (let i = 0; i + needle.length <= limit; i++) {
    if (bytes[i] !== 0x65) continue; // 'e'
    let ok = i === 0 || bytes[i - 1] === 0x0a;
    for (let k = 1; ok && k < needle.length; k++) ok = bytes[i + k] === needle.charCodeAt(k);
    if (!ok) continue;
    let j = i + needle.length;
    while (j < bytes.length && (bytes[j] === 0x20 || bytes[j] === 0x0d)) j++;
    if (j < bytes.length && bytes[j] !== 0x0a) continue;
    return { textEnd: i + needle.length, dataStart: Math.min(bytes.length, j + 1) };
  }
  return null;
}

export function readPlyFile(file: string): PlyData {
  return readPly(fs.readFileSync(file), file);
}

/** Options for writePly; every field optional. */
export interface WritePlyOptions {
  /** Triangles (three vertex indices each); none writes a point cloud. */
  triangles?: Uint32Array;
  /** Default "binary_little_endian". */
  format?: PlyFormat;
  comment?: string;
}

/** PLY bytes for a point cloud or a triangle mesh (float32 vertices, uint8 + int32 face lists). */
export function writePly(vertices: Float32Array, options: WritePlyOptions = {}): Uint8Array {
  const format = checkChoice("PLY format", options.format ?? "binary_little_endian", FORMATS);
  const nv = vertices.length / 3;
  const tri = options.triangles ?? new Uint32Array(0);
  const nf = tri.length / 3;
  const head = [
    "ply",
    `format ${format} 1.0`,
    ...(options.comment ? [`comment ${options.comment.replace(/\n/g, " ")}`] : []),
    `element vertex ${nv}`,
    "property float x",
    "property float y",
    "property float z",
    ...(nf > 0 ? [`element face ${nf}`, "property list uchar int vertex_indices"] : []),
    "end_header",
    "",
  ].join("\n");
  if (format === "ascii") {
    const rows: string[] = [];
    for (let i = 0; i < nv; i++) rows.push(`${vertices[3 * i]} ${vertices[3 * i + 1]} ${vertices[3 * i + 2]}`);
    for (let i = 0; i < nf; i++) rows.push(`3 ${tri[3 * i]} ${tri[3 * i + 1]} ${tri[3 * i + 2]}`);
    return Buffer.from(head + rows.join("\n") + (rows.length ? "\n" : ""), "latin1");
  }
  const le = format === "binary_little_endian";
  const headBytes = Buffer.from(head, "latin1");
  const out = new Uint8Array(headBytes.length + nv * 12 + nf * 13);
  out.set(headBytes, 0);
  const dv = new DataView(out.buffer);
  let at = headBytes.length;
  for (let i = 0; i < 3 * nv; i++, at += 4) dv.setFloat32(at, vertices[i]!, le);
  for (let i = 0; i < nf; i++) {
    dv.setUint8(at++, 3);
    for (let k = 0; k < 3; k++, at += 4) dv.setInt32(at, tri[3 * i + k]!, le);
  }
  return out;
}

export function writePlyFile(file: string, vertices: Float32Array, options: WritePlyOptions = {}): void {
  writeFileAtomic(file, writePly(vertices, options));
}
