/*
 * Squared Euclidean distances between two blocks of rows, for the exact
 * nearest-neighbour search of t-SNE, compiled to WebAssembly SIMD (see
 * build.sh). Several threads call it on one shared memory, each on its own
 * block pair and output, so no locking is needed; nothing touches the C stack.
 *
 * x       row-major [rows][d] float32
 * panels  the same rows packed by eight: panel p is [d][8] (rows 8p .. 8p+7)
 * norm    |x_r|^2 per row
 * out     [ni][nj]: out[a][b] = max(0, |x_a|^2 + |x_b|^2 - 2 x_a.x_b) for rows
 *         a = i0.., b = j0..; ni a multiple of 4, nj and j0 multiples of 8.
 *
 * Each dot product is a plain sum over k in order, whatever the block or
 * tile, so a pair's distance is the same bits in every block pair and both
 * orders (i, j) and (j, i) agree: the neighbours do not depend on how the
 * work is split between threads.
 */
#include <wasm_simd128.h>

typedef v128_t V;
#define MADD(acc, a, b) acc = wasm_f32x4_add(acc, wasm_f32x4_mul(a, b))

static inline void finish(V acc, V na, V nb, float *out) {
  V two = wasm_f32x4_splat(2.0f);
  V s = wasm_f32x4_sub(wasm_f32x4_add(na, nb), wasm_f32x4_mul(two, acc));
  wasm_v128_store(out, wasm_f32x4_max(s, wasm_f32x4_splat(0.0f)));
}

void sqdist_block(const float *x, const float *panels, const float *norm, int d,
                  int i0, int ni, int j0, int nj, float *out) {
  for (int b = 0; b < nj; b += 8) {
    const float *p = panels + (j0 + b) * d;
    V nb0 = wasm_v128_load(norm + j0 + b), nb1 = wasm_v128_load(norm + j0 + b + 4);
    for (int a = 0; a < ni; a += 4) {
      const float *a0 = x + (i0 + a) * d;
      const float *a1 = a0 + d, *a2 = a1 + d, *a3 = a2 + d;
      V c00 = wasm_f32x4_splat(0), c01 = c00, c10 = c00, c11 = c00;
      V c20 = c00, c21 = c00, c30 = c00, c31 = c00;
      const float *q = p;
      for (int k = 0; k < d; k++, q += 8) {
        V b0 = wasm_v128_load(q), b1 = wasm_v128_load(q + 4);
        V x0 = wasm_v128_load32_splat(a0 + k);
        MADD(c00, x0, b0); MADD(c01, x0, b1);
        V x1 = wasm_v128_load32_splat(a1 + k);
        MADD(c10, x1, b0); MADD(c11, x1, b1);
        V x2 = wasm_v128_load32_splat(a2 + k);
        MADD(c20, x2, b0); MADD(c21, x2, b1);
        V x3 = wasm_v128_load32_splat(a3 + k);
        MADD(c30, x3, b0); MADD(c31, x3, b1);
      }
      float *o = out + a * nj + b;
      V n0 = wasm_v128_load32_splat(norm + i0 + a), n1 = wasm_v128_load32_splat(norm + i0 + a + 1);
      V n2 = wasm_v128_load32_splat(norm + i0 + a + 2), n3 = wasm_v128_load32_splat(norm + i0 + a + 3);
      finish(c00, n0, nb0, o); finish(c01, n0, nb1, o + 4); o += nj;
      finish(c10, n1, nb0, o); finish(c11, n1, nb1, o + 4); o += nj;
      finish(c20, n2, nb0, o); finish(c21, n2, nb1, o + 4); o += nj;
      finish(c30, n3, nb0, o); finish(c31, n3, nb1, o + 4);
    }
  }
}
