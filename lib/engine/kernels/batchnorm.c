/*
 * Batch-normalisation kernels (per-channel statistics, affine map with an
 * optional ReLU, training gradient) over channels-last rows: x is [rows][C].
 * Same conventions as conv3d.c: each call is one share (part) of the job,
 * rows are handed out through an atomic counter, shares write disjoint
 * outputs. Per-channel sums go to one double-precision slot per chunk of
 * rows, which the caller adds up in chunk order: the result does not depend
 * on which thread took which chunk, nor on the number of threads when the
 * caller fixes the chunk size.
 */
#include "simd.h"

typedef v128_t V;

static inline int take(int *next, int chunk) {
  return __atomic_fetch_add(next, 1, __ATOMIC_RELAXED) * chunk;
}

/* acc[c] += a[c], acc[C + c] += b[c] for the four lanes starting at c, in doubles. */
static inline void add4(double *acc, int C, int c, V a, V b) {
  V alo = wasm_f64x2_promote_low_f32x4(a), ahi = wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(a, a, 2, 3, 0, 1));
  V blo = wasm_f64x2_promote_low_f32x4(b), bhi = wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(b, b, 2, 3, 0, 1));
  wasm_v128_store(acc + c, wasm_f64x2_add(wasm_v128_load(acc + c), alo));
  wasm_v128_store(acc + c + 2, wasm_f64x2_add(wasm_v128_load(acc + c + 2), ahi));
  wasm_v128_store(acc + C + c, wasm_f64x2_add(wasm_v128_load(acc + C + c), blo));
  wasm_v128_store(acc + C + c + 2, wasm_f64x2_add(wasm_v128_load(acc + C + c + 2), bhi));
}

/*
 * Shifted sums for the mean and variance: sums[chunk][0][c] = sum (x - s),
 * sums[chunk][1][c] = sum (x - s)^2, with s a per-channel shift (a sample of
 * the data) against cancellation. sums holds 2*C zeroed doubles per chunk.
 */
void bn_stats(const float *x, const float *s, double *sums, int rows, int C, int *next, int chunk, int part) {
  (void)part;
  for (int r0; (r0 = take(next, chunk)) < rows;) {
    double *acc = sums + (long)(r0 / chunk) * 2 * C;
    for (int r = r0, r1 = r0 + chunk < rows ? r0 + chunk : rows; r < r1; r++) {
      const float *row = x + (long)r * C;
      int c = 0;
      for (; c + 4 <= C; c += 4) {
        V d = wasm_f32x4_sub(wasm_v128_load(row + c), wasm_v128_load(s + c));
        add4(acc, C, c, d, wasm_f32x4_mul(d, d));
      }
      for (; c < C; c++) {
        double d = (double)row[c] - s[c];
        acc[c] += d;
        acc[C + c] += d * d;
      }
    }
  }
}

/* out = x * scale + shift per channel, then max(0, .) when relu. */
void bn_affine(const float *x, const float *scale, const float *shift, float *out, int rows, int C, int relu,
               int *next, int chunk, int part) {
  (void)part;
  V zero = wasm_f32x4_splat(0);
  for (int r0; (r0 = take(next, chunk)) < rows;)
  for (int r = r0, r1 = r0 + chunk < rows ? r0 + chunk : rows; r < r1; r++) {
    const float *row = x + (long)r * C;
    float *o = out + (long)r * C;
    int c = 0;
    for (; c + 4 <= C; c += 4) {
      V v = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(row + c), wasm_v128_load(scale + c)), wasm_v128_load(shift + c));
      wasm_v128_store(o + c, relu ? wasm_f32x4_pmax(v, zero) : v);
    }
    for (; c < C; c++) {
      float v = row[c] * scale[c] + shift[c];
      o[c] = relu && v < 0 ? 0.0f : v;
    }
  }
}

/* The gradient reaching the batch-norm output: dy, masked by y > 0 after a ReLU. */
static inline V masked(const float *dy, const float *y, int relu, int c) {
  V g = wasm_v128_load(dy + c);
  return relu ? wasm_v128_and(g, wasm_f32x4_gt(wasm_v128_load(y + c), wasm_f32x4_splat(0))) : g;
}

/*
 * sums[chunk][0][c] = sum d, sums[chunk][1][c] = sum d * xhat with
 * xhat = (x - mean) * invStd.
 */
void bn_grad_stats(const float *dy, const float *x, const float *y, const float *mean, const float *invStd,
                   double *sums, int rows, int C, int relu, int *next, int chunk, int part) {
  (void)part;
  for (int r0; (r0 = take(next, chunk)) < rows;) {
    double *acc = sums + (long)(r0 / chunk) * 2 * C;
    for (int r = r0, r1 = r0 + chunk < rows ? r0 + chunk : rows; r < r1; r++) {
      long o = (long)r * C;
      int c = 0;
      for (; c + 4 <= C; c += 4) {
        V d = masked(dy + o, y + o, relu, c);
        V xh = wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(x + o + c), wasm_v128_load(mean + c)), wasm_v128_load(invStd + c));
        add4(acc, C, c, d, wasm_f32x4_mul(d, xh));
      }
      for (; c < C; c++) {
        float d = relu && !(y[o + c] > 0) ? 0.0f : dy[o + c];
        acc[c] += d;
        acc[C + c] += (double)d * ((x[o + c] - mean[c]) * invStd[c]);
      }
    }
  }
}

/* dx = a * d + g * (x - mean) + b per channel (the caller folds the sums into a, g and b). */
void bn_grad_dx(const float *dy, const float *x, const float *y, const float *mean, const float *a, const float *g,
                const float *b, float *dx, int rows, int C, int relu, int *next, int chunk, int part) {
  (void)part;
  for (int r0; (r0 = take(next, chunk)) < rows;)
  for (int r = r0, r1 = r0 + chunk < rows ? r0 + chunk : rows; r < r1; r++) {
    long o = (long)r * C;
    int c = 0;
    for (; c + 4 <= C; c += 4) {
      V d = masked(dy + o, y + o, relu, c);
      V xc = wasm_f32x4_sub(wasm_v128_load(x + o + c), wasm_v128_load(mean + c));
      V v = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(a + c), d), wasm_f32x4_mul(wasm_v128_load(g + c), xc));
      wasm_v128_store(dx + o + c, wasm_f32x4_add(v, wasm_v128_load(b + c)));
    }
    for (; c < C; c++) {
      float d = relu && !(y[o + c] > 0) ? 0.0f : dy[o + c];
      dx[o + c] = a[c] * d + g[c] * (x[o + c] - mean[c]) + b[c];
    }
  }
}
