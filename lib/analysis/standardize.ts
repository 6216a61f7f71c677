import { type Matrix, type MatrixLike, toMatrix } from "./matrix";

export interface Standardized {
  /** (x − mean) / scale, column by column. */
  data: Matrix;
  mean: Float64Array;
  /** Population standard deviation per column; 1 where a column is constant (as sklearn's StandardScaler). */
  scale: Float64Array;
}

/** Zero mean and unit variance per column, like sklearn's StandardScaler. */
export function standardize(x: MatrixLike): Standardized {
  const m = toMatrix(x, "standardize");
  const { rows, cols } = m;
  const mean = new Float64Array(cols);
  const scale = new Float64Array(cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) mean[j]! += m.data[i * cols + j]!;
  for (let j = 0; j < cols; j++) mean[j] = mean[j]! / Math.max(rows, 1);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const t = m.data[i * cols + j]! - mean[j]!;
      scale[j]! += t * t;
    }
  }
  for (let j = 0; j < cols; j++) {
    const s = Math.sqrt(scale[j]! / Math.max(rows, 1));
    // sklearn treats a variance at rounding level of the mean as constant.
    scale[j] = s < 10 * Number.EPSILON * Math.max(1, Math.abs(mean[j]!)) ? 1 : s;
  }
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[i * cols + j] = (m.data[i * cols + j]! - mean[j]!) / scale[j]!;
  return { data: { rows, cols, data }, mean, scale };
}
