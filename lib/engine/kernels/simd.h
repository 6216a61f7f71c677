/*
 * The SIMD vocabulary of the kernels: WebAssembly SIMD's own header when
 * compiled to kernels.wasm, and the same operations on GCC/Clang vector
 * extensions when compiled natively (native.c), where -march=native turns
 * them into the machine's vector instructions and the multiply-adds into FMA.
 */
#ifndef SIMD_H
#define SIMD_H
#ifdef __wasm__
#include <wasm_simd128.h>
#else
typedef float v128_t __attribute__((vector_size(16)));
typedef int simd_i32x4 __attribute__((vector_size(16)));
typedef double simd_f64x2 __attribute__((vector_size(16)));

static inline v128_t wasm_v128_load(const void *p) {
  v128_t v;
  __builtin_memcpy(&v, p, 16);
  return v;
}
static inline void wasm_v128_store(void *p, v128_t v) { __builtin_memcpy(p, &v, 16); }
static inline v128_t wasm_f32x4_splat(float f) { return (v128_t){f, f, f, f}; }
static inline v128_t wasm_v128_load32_splat(const void *p) { return wasm_f32x4_splat(*(const float *)p); }
static inline v128_t wasm_i32x4_splat(int i) { return (v128_t)(simd_i32x4){i, i, i, i}; }
static inline v128_t wasm_f32x4_add(v128_t a, v128_t b) { return a + b; }
static inline v128_t wasm_f32x4_sub(v128_t a, v128_t b) { return a - b; }
static inline v128_t wasm_f32x4_mul(v128_t a, v128_t b) { return a * b; }
static inline v128_t wasm_f32x4_neg(v128_t a) { return -a; }
static inline v128_t wasm_f32x4_eq(v128_t a, v128_t b) { return (v128_t)(a == b); }
static inline v128_t wasm_f32x4_gt(v128_t a, v128_t b) { return (v128_t)(a > b); }
static inline v128_t wasm_v128_and(v128_t a, v128_t b) { return (v128_t)((simd_i32x4)a & (simd_i32x4)b); }
static inline v128_t wasm_v128_or(v128_t a, v128_t b) { return (v128_t)((simd_i32x4)a | (simd_i32x4)b); }
static inline v128_t wasm_v128_andnot(v128_t a, v128_t b) { return (v128_t)((simd_i32x4)a & ~(simd_i32x4)b); }
static inline v128_t simd_select(simd_i32x4 mask, v128_t a, v128_t b) {
  return (v128_t)(((simd_i32x4)a & mask) | ((simd_i32x4)b & ~mask));
}
/* As WebAssembly's f32x4.max: NaN when either lane is NaN. */
static inline v128_t wasm_f32x4_max(v128_t a, v128_t b) { return simd_select((a > b) | (a != a), a, b); }
/* As f32x4.pmax: b < a ? a : b. */
static inline v128_t wasm_f32x4_pmax(v128_t a, v128_t b) { return simd_select(b < a, a, b); }
#define wasm_i32x4_shuffle(a, b, i, j, k, l) \
  ((v128_t)__builtin_shufflevector((simd_i32x4)(a), (simd_i32x4)(b), i, j, k, l))
static inline v128_t wasm_f64x2_promote_low_f32x4(v128_t a) { return (v128_t)(simd_f64x2){a[0], a[1]}; }
static inline v128_t wasm_f64x2_add(v128_t a, v128_t b) { return (v128_t)((simd_f64x2)a + (simd_f64x2)b); }

/* 8 floats, for the native build's wider register tiles (tiles.h); WebAssembly SIMD has no such width. */
typedef float simd_f32x8 __attribute__((vector_size(32)));
static inline simd_f32x8 simd_load8(const float *p) {
  simd_f32x8 v;
  __builtin_memcpy(&v, p, 32);
  return v;
}
static inline void simd_store8(float *p, simd_f32x8 v) { __builtin_memcpy(p, &v, 32); }
static inline simd_f32x8 simd_splat8(float f) { return (simd_f32x8){f, f, f, f, f, f, f, f}; }
#endif
#endif
