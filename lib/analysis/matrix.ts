import { ConfigError } from "../core";

/**
 * A dense row-major matrix of numbers: `rows` points of `cols` values each.
 * Large tables (41k × 512 embeddings) stay in one typed array; small ones can
 * be passed as nested arrays wherever a `MatrixLike` is accepted.
 */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float32Array | Float64Array;
}

export type MatrixLike = Matrix | ReadonlyArray<ArrayLike<number>>;

function isMatrix(x: MatrixLike): x is Matrix {
  return !Array.isArray(x) && "rows" in x && "data" in x;
}

/** A zero matrix of the given shape (float64). */
export function zeros(rows: number, cols: number): Matrix {
  return { rows, cols, data: new Float64Array(rows * cols) };
}

/**
 * The input as a `Matrix`, sharing the typed array when it already is one.
 * `what` names the argument in errors ("features", "embedding").
 */
export function toMatrix(x: MatrixLike, what = "matrix"): Matrix {
  if (isMatrix(x)) {
    if (x.data.length !== x.rows * x.cols) {
      throw new ConfigError(`${what}: data has ${x.data.length} values, expected rows × cols = ${x.rows} × ${x.cols} = ${x.rows * x.cols}`);
    }
    return x;
  }
  const rows = x.length;
  const cols = rows > 0 ? x[0]!.length : 0;
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const row = x[i]!;
    if (row.length !== cols) throw new ConfigError(`${what}: row ${i} has ${row.length} values, expected ${cols} like row 0`);
    for (let j = 0; j < cols; j++) data[i * cols + j] = row[j]!;
  }
  return { rows, cols, data };
}

/** Nested arrays (for libraries and plots that want `number[][]`). */
export function toRows(m: Matrix): number[][] {
  const out = new Array<number[]>(m.rows);
  for (let i = 0; i < m.rows; i++) out[i] = Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols));
  return out;
}

/** One column as a plain array. */
export function column(m: Matrix, j: number): number[] {
  const out = new Array<number>(m.rows);
  for (let i = 0; i < m.rows; i++) out[i] = m.data[i * m.cols + j]!;
  return out;
}

/** The rows at `indices`, in that order. */
export function selectRows(m: Matrix, indices: ArrayLike<number>): Matrix {
  const data = new (m.data.constructor as Float64ArrayConstructor)(indices.length * m.cols);
  for (let r = 0; r < indices.length; r++) data.set(m.data.subarray(indices[r]! * m.cols, (indices[r]! + 1) * m.cols), r * m.cols);
  return { rows: indices.length, cols: m.cols, data };
}

/** Squared Euclidean distance between row i of a and row j of b. */
export function squaredDistance(a: Matrix, i: number, b: Matrix, j: number): number {
  const d = a.cols;
  const ad = a.data;
  const bd = b.data;
  let s = 0;
  for (let c = 0, p = i * d, q = j * d; c < d; c++, p++, q++) {
    const t = ad[p]! - bd[q]!;
    s += t * t;
  }
  return s;
}

/** Checks that two tables describe the same points. */
export function checkSameRows(a: Matrix, b: Matrix, whatA: string, whatB: string): void {
  if (a.rows !== b.rows)
    throw new ConfigError(`${whatA} has ${a.rows} rows but ${whatB} has ${b.rows}; they must describe the same points`);
}
