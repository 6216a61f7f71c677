/*
 * The pieces conv3d.c and winograd.c share: the work counter and the
 * register tiles of the channel-axis matrix products (4 or 1 output rows x 8
 * output channels, the 8 channels as two f32x4 vectors), for the forward
 * products (tile4, tile1) and the filter gradients' sums of outer products
 * (outer4, outer1). No FMA: WebAssembly
 * SIMD has none outside relaxed SIMD, which Node 20 runs only behind a flag.
 */
#ifndef TILES_H
#define TILES_H
#include "simd.h"

typedef v128_t V;

/* Hands out work in chunks: returns the first row of the next chunk. */
static inline int take(int *next, int chunk) {
  return __atomic_fetch_add(next, 1, __ATOMIC_RELAXED) * chunk;
}
#define MADD(acc, a, b) acc = wasm_f32x4_add(acc, wasm_f32x4_mul(a, b))

/* 4 output pixels x 8 channels: C[i][0..8] = sum_t sum_k A_i[toff[t] + k] * B[t][k][0..8]. */
static inline void tile4(const float *A, int as, const int *toff, int ntaps, int C1,
                         const float *B, float *C, int cs) {
  V c00 = wasm_f32x4_splat(0), c01 = c00, c10 = c00, c11 = c00;
  V c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (int t = 0; t < ntaps; t++) {
    const float *a0 = A + toff[t];
    const float *a1 = a0 + as, *a2 = a1 + as, *a3 = a2 + as;
    const float *b = B + t * C1 * 8;
    for (int k = 0; k < C1; k++) {
      V b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4);
      b += 8;
      V x0 = wasm_v128_load32_splat(a0 + k);
      MADD(c00, x0, b0); MADD(c01, x0, b1);
      V x1 = wasm_v128_load32_splat(a1 + k);
      MADD(c10, x1, b0); MADD(c11, x1, b1);
      V x2 = wasm_v128_load32_splat(a2 + k);
      MADD(c20, x2, b0); MADD(c21, x2, b1);
      V x3 = wasm_v128_load32_splat(a3 + k);
      MADD(c30, x3, b0); MADD(c31, x3, b1);
    }
  }
  wasm_v128_store(C, c00); wasm_v128_store(C + 4, c01); C += cs;
  wasm_v128_store(C, c10); wasm_v128_store(C + 4, c11); C += cs;
  wasm_v128_store(C, c20); wasm_v128_store(C + 4, c21); C += cs;
  wasm_v128_store(C, c30); wasm_v128_store(C + 4, c31);
}

static inline void tile1(const float *A, const int *toff, int ntaps, int C1, const float *B, float *C) {
  V c0 = wasm_f32x4_splat(0), c1 = c0;
  for (int t = 0; t < ntaps; t++) {
    const float *a0 = A + toff[t];
    const float *b = B + t * C1 * 8;
    for (int k = 0; k < C1; k++) {
      V x0 = wasm_v128_load32_splat(a0 + k);
      MADD(c0, x0, wasm_v128_load(b));
      MADD(c1, x0, wasm_v128_load(b + 4));
      b += 8;
    }
  }
  wasm_v128_store(C, c0); wasm_v128_store(C + 4, c1);
}

/*
 * 4 rows x 8 channels of a sum of outer products, added to C:
 * C[i][0..8] += sum_{j<n} A[j*as + i] * B[j*bs + 0..8], rows cs apart.
 */
static inline void outer4(const float *A, int as, const float *B, int bs, int n, float *C, int cs) {
  float *f0 = C, *f1 = f0 + cs, *f2 = f1 + cs, *f3 = f2 + cs;
  V c00 = wasm_v128_load(f0), c01 = wasm_v128_load(f0 + 4);
  V c10 = wasm_v128_load(f1), c11 = wasm_v128_load(f1 + 4);
  V c20 = wasm_v128_load(f2), c21 = wasm_v128_load(f2 + 4);
  V c30 = wasm_v128_load(f3), c31 = wasm_v128_load(f3 + 4);
  for (int j = 0; j < n; j++) {
    V b0 = wasm_v128_load(B), b1 = wasm_v128_load(B + 4);
    V x0 = wasm_v128_load32_splat(A);
    MADD(c00, x0, b0); MADD(c01, x0, b1);
    V x1 = wasm_v128_load32_splat(A + 1);
    MADD(c10, x1, b0); MADD(c11, x1, b1);
    V x2 = wasm_v128_load32_splat(A + 2);
    MADD(c20, x2, b0); MADD(c21, x2, b1);
    V x3 = wasm_v128_load32_splat(A + 3);
    MADD(c30, x3, b0); MADD(c31, x3, b1);
    A += as;
    B += bs;
  }
  wasm_v128_store(f0, c00); wasm_v128_store(f0 + 4, c01);
  wasm_v128_store(f1, c10); wasm_v128_store(f1 + 4, c11);
  wasm_v128_store(f2, c20); wasm_v128_store(f2 + 4, c21);
  wasm_v128_store(f3, c30); wasm_v128_store(f3 + 4, c31);
}

/* outer4 for one row. */
static inline void outer1(const float *A, int as, const float *B, int bs, int n, float *C) {
  V c0 = wasm_v128_load(C), c1 = wasm_v128_load(C + 4);
  for (int j = 0; j < n; j++) {
    V x0 = wasm_v128_load32_splat(A);
    MADD(c0, x0, wasm_v128_load(B));
    MADD(c1, x0, wasm_v128_load(B + 4));
    A += as;
    B += bs;
  }
  wasm_v128_store(C, c0); wasm_v128_store(C + 4, c1);
}

/*
 * Native builds only: 8 rows x 8 channels on one 8-float vector per row, so
 * that 8 independent multiply-add chains keep the FMA units busy at twice
 * the 4-float width (with 4 rows on 8-float vectors they would wait on each
 * other's latency). Every output element gets the same multiply-adds in the
 * same order as from tile4 and outer4, so results are the same bits.
 * TILE_ROWS is the widest tile a kernel may ask for.
 */
#ifdef __wasm__
#define TILE_ROWS 4
#else
#define TILE_ROWS 8
typedef simd_f32x8 V8;

static inline void tile8(const float *A, int as, const int *toff, int ntaps, int C1, const float *B, float *C, int cs) {
  V8 c[8];
  for (int i = 0; i < 8; i++) c[i] = simd_splat8(0);
  for (int t = 0; t < ntaps; t++) {
    const float *a = A + toff[t];
    const float *b = B + t * C1 * 8;
    for (int k = 0; k < C1; k++, b += 8) {
      V8 bv = simd_load8(b);
      for (int i = 0; i < 8; i++) c[i] += simd_splat8(a[i * as + k]) * bv;
    }
  }
  for (int i = 0; i < 8; i++) simd_store8(C + i * cs, c[i]);
}

static inline void outer8(const float *A, int as, const float *B, int bs, int n, float *C, int cs) {
  V8 c[8];
  for (int i = 0; i < 8; i++) c[i] = simd_load8(C + i * cs);
  for (int j = 0; j < n; j++, A += as, B += bs) {
    V8 bv = simd_load8(B);
    for (int i = 0; i < 8; i++) c[i] += simd_splat8(A[i]) * bv;
  }
  for (int i = 0; i < 8; i++) simd_store8(C + i * cs, c[i]);
}
#endif

/*
 * The widest register tile that fits `left` rows (left >= 1) of C =
 * A x B over taps: returns the rows it did.
 */
static inline int tile_rows(int left, const float *A, int as, const int *toff, int ntaps, int C1, const float *B, float *C, int cs) {
#if TILE_ROWS == 8
  if (left >= 8) {
    tile8(A, as, toff, ntaps, C1, B, C, cs);
    return 8;
  }
#endif
  if (left >= 4) {
    tile4(A, as, toff, ntaps, C1, B, C, cs);
    return 4;
  }
  tile1(A, toff, ntaps, C1, B, C);
  return 1;
}

/* The same for a sum of outer products over n, `left` rows of C (A's rows 1 apart). */
static inline int outer_rows(int left, const float *A, int as, const float *B, int bs, int n, float *C, int cs) {
#if TILE_ROWS == 8
  if (left >= 8) {
    outer8(A, as, B, bs, n, C, cs);
    return 8;
  }
#endif
  if (left >= 4) {
    outer4(A, as, B, bs, n, C, cs);
    return 4;
  }
  outer1(A, as, B, bs, n, C);
  return 1;
}

#endif
