/*
 * Winograd convolution F(m^3, 3^3), m = 2 or 4, for stride-1 3x3x3
 * correlations (Lavin & Gray 2016, on three axes). An output tile of m^3
 * voxels comes from an input tile of a^3 voxels, a = m + 2:
 *   out[:, c2] = A^T ( sum_c1 (B^T x B)[:, c1] * (G f G^T)[:, c1, c2] ) A   (on each axis)
 * so the 27 m^3 multiply-adds per channel pair of the direct kernel become
 * a^3: 64 for 8 voxels (3.4x fewer) or 216 for 64 (8x fewer). For each of
 * the a^3 transform points the sum over c1 is a matrix product over
 * channels, run with the direct kernels' register tiles (tiles.h); the
 * transforms are SIMD over the channel axis.
 *
 * F(4,3) uses the points 0, 1, -1, 2, -1/2 (and infinity) rather than the
 * usual 0, +-1, +-2: in float32 its error on a 3-D tile is about 1e-5 of the
 * output's scale instead of 3e-5 (Barabasz et al. 2020, "Error analysis and
 * improving the accuracy of Winograd convolution"), inside the engine's 1e-4.
 *
 * The filter gradient runs the same tiles backwards: with V = B^T x B and
 * M = A dy A^T per tile, dU = sum over tiles of V * M (per transform point a
 * matrix product over the tiles, C1 x C2) and df = G^T dU G, so a tile of
 * m^3 output voxels again costs a^3 multiply-adds per channel pair.
 *
 * Layouts (channels last, float32; C1 a multiple of 4, C2 of 8):
 *   x        padded input [N][XD][XH][XW][C1] that holds whole tiles:
 *            XD >= ceil(OD/m)*m + 2, the same on H and W
 *   taps     filter [27][C1][C2], tap (kd,kh,kw) at (kd*3 + kh)*3 + kw
 *   U        transformed filter [a^3][C2/8][C1][8] + PAD per point, point
 *            (i,j,k) at p = (i*a + j)*a + k
 *   out      [N][OD][OH][OW][C2]
 *   dy       the filter gradient's output gradient, zero-padded to whole
 *            tiles: [N][TD*m][TH*m][TW*m][C2], TD = ceil(OD/m) and so on
 *   dU       the filter gradient's sums, laid out as U but [a^3][C1][C2] + PAD
 *            per point, one copy per chunk of tiles
 *   scratch  per thread (part), `ss` floats apart: wino_filter needs
 *            27*C2 + 8*a^3, wino_fwd and wino_wgrad V [a^3][T*C1 + PAD],
 *            M [a^3][T*C2 + PAD] and 8*a^3 more
 * The arrays with one block per transform point have PAD floats after each:
 * their blocks are often a power of two long, and a^3 stores to addresses a
 * power of two apart fall into one cache set and evict each other (the
 * filter transform ran 10x slower without it).
 * Like conv3d.c, nothing here touches the C stack.
 */
#include "tiles.h"

#define INLINE __attribute__((always_inline)) static inline

/* Unrolls the next loop fully (its trip count is a constant after inlining); GCC has its own spelling. */
#ifdef __clang__
#define UNROLL _Pragma("clang loop unroll(full)")
#else
#define UNROLL _Pragma("GCC unroll 8")
#endif

/* One cache line of floats. */
#define PAD 16

/* The 1-D transforms: B^T (a x a), G (a x 3), A^T (m x a). */
static const float BT2[4 * 4] = {
  1, 0, -1, 0,
  0, 1, 1, 0,
  0, -1, 1, 0,
  0, 1, 0, -1,
};
static const float G2[4 * 3] = {
  1, 0, 0,
  0.5f, 0.5f, 0.5f,
  0.5f, -0.5f, 0.5f,
  0, 0, 1,
};
static const float AT2[2 * 4] = {
  1, 1, 1, 0,
  0, 1, -1, -1,
};
static const float BT4[6 * 6] = {
  1, 1.5f, -2, -1.5f, 1, 0,
  0, -1, -2.5f, -0.5f, 1, 0,
  0, 1, 0.5f, -2.5f, 1, 0,
  0, -0.5f, -1, 0.5f, 1, 0,
  0, 2, -1, -2, 1, 0,
  0, 1, 1.5f, -2, -1.5f, 1,
};
static const float G4[6 * 3] = {
  1, 0, 0,
  -1.0f / 3, -1.0f / 3, -1.0f / 3,
  1.0f / 3, -1.0f / 3, 1.0f / 3,
  1.0f / 15, 2.0f / 15, 4.0f / 15,
  -16.0f / 15, 8.0f / 15, -4.0f / 15,
  0, 0, 1,
};
static const float AT4[4 * 6] = {
  1, 1, 1, 1, 1, 0,
  0, 1, -1, 2, -0.5f, 0,
  0, 1, 1, 4, 0.25f, 0,
  0, 1, -1, 8, -0.125f, 1,
};
/* Their transposes for the filter gradient: A (a x m) and G^T (3 x a). */
static const float A2[4 * 2] = {
  1, 0,
  1, 1,
  1, -1,
  0, -1,
};
static const float A4[6 * 4] = {
  1, 0, 0, 0,
  1, 1, 1, 1,
  1, -1, 1, -1,
  1, 2, 4, 8,
  1, -0.5f, 0.25f, -0.125f,
  0, 0, 0, 1,
};
static const float GT2[3 * 4] = {
  1, 0.5f, 0.5f, 0,
  0, 0.5f, -0.5f, 0,
  0, 0.5f, 0.5f, 1,
};
static const float GT4[3 * 6] = {
  1, -1.0f / 3, 1.0f / 3, 1.0f / 15, -16.0f / 15, 0,
  0, -1.0f / 3, -1.0f / 3, 2.0f / 15, 8.0f / 15, 0,
  0, -1.0f / 3, 1.0f / 3, 4.0f / 15, -4.0f / 15, 1,
};

/*
 * dst[i*ds] = sum_j T[i][j] src[j*ss] on f32x4 vectors, T rows x cols. Always
 * inlined with constant m, so the loops unroll and the table entries become
 * constants: zeros cost nothing, +-1 cost an add or a subtract.
 */
INLINE void transform(const float *T, int rows, int cols, const float *src, int ss, float *dst, int ds) {
  V x[6];
UNROLL
  for (int j = 0; j < cols; j++) x[j] = wasm_v128_load(src + j * ss);
UNROLL
  for (int i = 0; i < rows; i++) {
    V acc = wasm_f32x4_splat(0);
    int any = 0;
UNROLL
    for (int j = 0; j < cols; j++) {
      float c = T[i * cols + j];
      if (c == 0) continue;
      float mag = c < 0 ? -c : c;
      V term = mag == 1 ? x[j] : wasm_f32x4_mul(wasm_f32x4_splat(mag), x[j]);
      if (!any) acc = c < 0 ? wasm_f32x4_neg(term) : term;
      else acc = c < 0 ? wasm_f32x4_sub(acc, term) : wasm_f32x4_add(acc, term);
      any = 1;
    }
    wasm_v128_store(dst + i * ds, acc);
  }
}

/*
 * transform(BT4, 6, 6, ...) with the common terms shared: 22 arithmetic
 * operations instead of 36. The input transform is the most frequent of
 * the three (once per input channel and tile).
 */
INLINE void bt4(const float *src, int ss, float *dst, int ds) {
  V x0 = wasm_v128_load(src), x1 = wasm_v128_load(src + ss), x2 = wasm_v128_load(src + 2 * ss);
  V x3 = wasm_v128_load(src + 3 * ss), x4 = wasm_v128_load(src + 4 * ss), x5 = wasm_v128_load(src + 5 * ss);
  V half = wasm_f32x4_splat(0.5f), onehalf = wasm_f32x4_splat(1.5f), two = wasm_f32x4_splat(2);
  V d13 = wasm_f32x4_sub(x1, x3), q = wasm_f32x4_sub(x4, x2);
  V a = wasm_f32x4_sub(q, wasm_f32x4_mul(onehalf, x3)), b = wasm_f32x4_add(d13, wasm_f32x4_mul(onehalf, x2));
  wasm_v128_store(dst, wasm_f32x4_add(wasm_f32x4_sub(wasm_f32x4_add(x0, x4), wasm_f32x4_mul(two, x2)), wasm_f32x4_mul(onehalf, d13)));
  wasm_v128_store(dst + ds, wasm_f32x4_sub(a, b));
  wasm_v128_store(dst + 2 * ds, wasm_f32x4_add(a, b));
  wasm_v128_store(dst + 3 * ds, wasm_f32x4_sub(q, wasm_f32x4_mul(half, d13)));
  wasm_v128_store(dst + 4 * ds, wasm_f32x4_add(q, wasm_f32x4_mul(two, d13)));
  wasm_v128_store(dst + 5 * ds, wasm_f32x4_sub(wasm_f32x4_sub(wasm_f32x4_add(x1, x5), wasm_f32x4_mul(two, x3)), wasm_f32x4_mul(onehalf, q)));
}

/* B^T on one axis. */
INLINE void bt(int m, const float *src, int ss, float *dst, int ds) {
  if (m == 4) bt4(src, ss, dst, ds);
  else transform(BT2, 4, 4, src, ss, dst, ds);
}

/*
 * One input tile for 4 channels: B^T x B on the three axes, x at xb with
 * strides sd, sh, sw of the d, h and w axes; transform point p goes to
 * v + p*vs. t1, t2: a^3 f32x4 each.
 */
INLINE void input_tile(int m, const float *xb, int sd, int sh, int sw, float *v, int vs, float *t1, float *t2) {
  const int a = m + 2;
  for (int i = 0; i < a; i++)
    for (int j = 0; j < a; j++) bt(m, xb + i * sd + j * sh, sw, t1 + (i * a + j) * a * 4, 4);
  for (int i = 0; i < a; i++)
    for (int k = 0; k < a; k++) bt(m, t1 + (i * a * a + k) * 4, a * 4, t2 + (i * a * a + k) * 4, a * 4);
  for (int j = 0; j < a; j++)
    for (int k = 0; k < a; k++) bt(m, t2 + (j * a + k) * 4, a * a * 4, v + (j * a + k) * vs, a * a * vs);
}

/*
 * One output tile for 4 channels: A^T M A on the three axes, transform
 * point p of M at mt + p*ms; voxel (q,s,r) of the tile goes to
 * ob + q*sd + s*sh + r*sw when it lies inside the output (q < ed, s < eh, r < ew).
 */
INLINE void output_tile(int m, const float *mt, int ms, float *ob, int sd, int sh, int sw,
                        int ed, int eh, int ew, float *t1, float *t2) {
  const int a = m + 2;
  const float *A = m == 2 ? AT2 : AT4;
  for (int i = 0; i < a; i++)
    for (int j = 0; j < a; j++) transform(A, m, a, mt + (i * a + j) * a * ms, ms, t1 + (i * a + j) * m * 4, 4);
  for (int i = 0; i < a; i++)
    for (int r = 0; r < m; r++) transform(A, m, a, t1 + (i * a * m + r) * 4, m * 4, t2 + (i * m * m + r) * 4, m * 4);
  if (ed == m && eh == m && ew == m) {
    for (int s = 0; s < m; s++)
      for (int r = 0; r < m; r++) transform(A, m, a, t2 + (s * m + r) * 4, m * m * 4, ob + s * sh + r * sw, sd);
    return;
  }
  for (int s = 0; s < eh; s++)
    for (int r = 0; r < ew; r++) transform(A, m, a, t2 + (s * m + r) * 4, m * m * 4, t1 + (s * m + r) * 4, m * m * 4);
  for (int q = 0; q < ed; q++)
    for (int s = 0; s < eh; s++)
      for (int r = 0; r < ew; r++) wasm_v128_store(ob + q * sd + s * sh + r * sw, wasm_v128_load(t1 + ((q * m + s) * m + r) * 4));
}

/*
 * T s T^T on the three axes for 4 channels, T rows x cols: the cols^3 values
 * at src (strides sd, sh, sw) become rows^3 points, point (i,j,k) at
 * dst + ((i*rows + j)*rows + k)*ds. t1, t2: cols*rows*max(rows, cols) f32x4 each.
 */
INLINE void tile3(const float *T, int rows, int cols, const float *src, int sd, int sh, int sw, float *dst, int ds,
                  float *t1, float *t2) {
  for (int i = 0; i < cols; i++)
    for (int j = 0; j < cols; j++) transform(T, rows, cols, src + i * sd + j * sh, sw, t1 + (i * cols + j) * rows * 4, 4);
  for (int i = 0; i < cols; i++)
    for (int k = 0; k < rows; k++)
      transform(T, rows, cols, t1 + (i * cols * rows + k) * 4, rows * 4, t2 + (i * rows * rows + k) * 4, rows * 4);
  for (int j = 0; j < rows; j++)
    for (int k = 0; k < rows; k++)
      transform(T, rows, cols, t2 + (j * rows + k) * 4, rows * rows * 4, dst + (j * rows + k) * ds, rows * rows * ds);
}

/* G f G^T for 4 output channels: tap t at g + t*gs, point p to u + p*us. */
INLINE void filter_tile(int m, const float *g, int gs, float *u, int us, float *t1, float *t2) {
  tile3(m == 2 ? G2 : G4, m + 2, 3, g, 9 * gs, 3 * gs, gs, u, us, t1, t2);
}

INLINE void filter_rows(int m, const float *taps, float *U, float *scratch, int ss, int C1, int C2,
                        int *next, int chunk, int part) {
  const int a = m + 2, us = C1 * C2 + PAD;
  float *row = scratch + part * ss, *t1 = row + 27 * C2, *t2 = t1 + a * a * a * 4;
  for (int r0; (r0 = take(next, chunk)) < C1;)
    for (int c1 = r0, r1 = r0 + chunk < C1 ? r0 + chunk : C1; c1 < r1; c1++) {
      /* The 27 taps of this input channel side by side: read from taps they are C1*C2 apart, which thrashes a cache set. */
      for (int t = 0; t < 27; t++)
        for (int c = 0; c < C2; c += 4) wasm_v128_store(row + t * C2 + c, wasm_v128_load(taps + (t * C1 + c1) * C2 + c));
      for (int c = 0; c < C2; c += 4) filter_tile(m, row + c, C2, U + ((c >> 3) * C1 + c1) * 8 + (c & 7), us, t1, t2);
    }
}

/* U = G f G^T for every channel pair, split over input channels. */
void wino_filter(const float *taps, float *U, float *scratch, int ss, int C1, int C2, int m,
                 int *next, int chunk, int part) {
  if (m == 2) filter_rows(2, taps, U, scratch, ss, C1, C2, next, chunk, part);
  else filter_rows(4, taps, U, scratch, ss, C1, C2, next, chunk, part);
}

/* Tile i of a grid of TD x TH x TW tiles per sample, in n, d, h, w order. */
INLINE void tile_at(int i, int TD, int TH, int TW, int *n, int *td, int *th, int *tw) {
  *tw = i % TW;
  *th = i / TW % TH;
  *td = i / (TW * TH) % TD;
  *n = i / (TW * TH * TD);
}

INLINE void forward_blocks(int m, const float *x, const float *U, float *out, const int *toff, float *scratch, int ss,
                           int N, int XD, int XH, int XW, int C1, int OD, int OH, int OW, int C2,
                           int *next, int T, int part) {
  const int a = m + 2, P = a * a * a;
  int TD = (OD + m - 1) / m, TH = (OH + m - 1) / m, TW = (OW + m - 1) / m;
  int tiles = N * TD * TH * TW, ncob = C2 / 8;
  int us = C1 * C2 + PAD, vs = T * C1 + PAD, ms = T * C2 + PAD;
  float *v = scratch + part * ss, *mm = v + P * vs, *t1 = mm + P * ms, *t2 = t1 + P * 4;
  for (int b0; (b0 = take(next, T)) < tiles;) {
    int nt = tiles - b0 < T ? tiles - b0 : T;
    for (int t = 0; t < nt; t++) {
      int n, td, th, tw;
      tile_at(b0 + t, TD, TH, TW, &n, &td, &th, &tw);
      const float *xb = x + (((n * XD + td * m) * XH + th * m) * XW + tw * m) * C1;
      for (int c = 0; c < C1; c += 4) input_tile(m, xb + c, XH * XW * C1, XW * C1, C1, v + t * C1 + c, vs, t1, t2);
    }
    for (int p = 0; p < P; p++) {
      const float *vp = v + p * vs;
      float *mp = mm + p * ms;
      for (int cob = 0; cob < ncob; cob++) {
        const float *B = U + p * us + cob * C1 * 8;
        for (int t = 0; t < nt;) t += tile_rows(nt - t, vp + t * C1, C1, toff, 1, C1, B, mp + t * C2 + cob * 8, C2);
      }
    }
    for (int t = 0; t < nt; t++) {
      int n, td, th, tw;
      tile_at(b0 + t, TD, TH, TW, &n, &td, &th, &tw);
      int ed = OD - td * m < m ? OD - td * m : m, eh = OH - th * m < m ? OH - th * m : m, ew = OW - tw * m < m ? OW - tw * m : m;
      float *ob = out + (((n * OD + td * m) * OH + th * m) * OW + tw * m) * C2;
      for (int c = 0; c < C2; c += 4)
        output_tile(m, mm + t * C2 + c, ms, ob + c, OH * OW * C2, OW * C2, C2, ed, eh, ew, t1, t2);
    }
  }
}

/*
 * The correlation of conv_fwd (3x3x3, stride 1) by Winograd tiles of m^3
 * output voxels: each thread takes blocks of T = chunk tiles (in n, d, h, w order),
 * transforms their inputs, multiplies per transform point and writes the
 * inverse transforms. toff must point at a single 0 (the register tiles'
 * tap offsets).
 */
void wino_fwd(const float *x, const float *U, float *out, const int *toff, float *scratch, int ss,
              int N, int XD, int XH, int XW, int C1, int OD, int OH, int OW, int C2, int m,
              int *next, int chunk, int part) {
  if (m == 2) forward_blocks(2, x, U, out, toff, scratch, ss, N, XD, XH, XW, C1, OD, OH, OW, C2, next, chunk, part);
  else forward_blocks(4, x, U, out, toff, scratch, ss, N, XD, XH, XW, C1, OD, OH, OW, C2, next, chunk, part);
}

/*
 * The transforms of tiles b0 .. b0+nt-1 for the filter gradient: tile b0+t's
 * V at v + t*C1 + p*vs, its M at mm + t*C2 + p*ms.
 */
INLINE void gradient_transforms(int m, const float *x, const float *dy, int b0, int nt, float *v, int vs, float *mm, int ms,
                                int XD, int XH, int XW, int C1, int TD, int TH, int TW, int C2, float *t1, float *t2) {
  const int a = m + 2, DH = TH * m, DW = TW * m;
  for (int t = 0; t < nt; t++) {
    int n, td, th, tw;
    tile_at(b0 + t, TD, TH, TW, &n, &td, &th, &tw);
    const float *xb = x + (((n * XD + td * m) * XH + th * m) * XW + tw * m) * C1;
    for (int c = 0; c < C1; c += 4) input_tile(m, xb + c, XH * XW * C1, XW * C1, C1, v + t * C1 + c, vs, t1, t2);
    const float *db = dy + (((n * TD * m + td * m) * DH + th * m) * DW + tw * m) * C2;
    for (int c = 0; c < C2; c += 4)
      tile3(m == 2 ? A2 : A4, a, m, db + c, DH * DW * C2, DW * C2, C2, mm + t * C2 + c, ms, t1, t2);
  }
}

/* dUp[c1][c2] += sum_{t<nt} vp[t*C1 + c1] * mp[t*C2 + c2] for one transform point. */
INLINE void point_product(const float *vp, const float *mp, float *dUp, int nt, int C1, int C2) {
  for (int cob = 0; cob < C2 / 8; cob++)
    for (int c1 = 0; c1 < C1;) c1 += outer_rows(C1 - c1, vp + c1, C1, mp + cob * 8, C2, nt, dUp + c1 * C2 + cob * 8, C2);
}

INLINE void gradient_blocks(int m, const float *x, const float *dy, float *dU, float *scratch, int ss,
                            int N, int XD, int XH, int XW, int C1, int OD, int OH, int OW, int C2,
                            int *next, int chunk, int T, int part) {
  const int a = m + 2, P = a * a * a;
  int TD = (OD + m - 1) / m, TH = (OH + m - 1) / m, TW = (OW + m - 1) / m;
  int tiles = N * TD * TH * TW;
  int us = C1 * C2 + PAD, vs = T * C1 + PAD, ms = T * C2 + PAD, size = P * us;
  float *v = scratch + part * ss, *mm = v + P * vs, *t1 = mm + P * ms, *t2 = t1 + P * 4;
  V z = wasm_f32x4_splat(0);
  for (int c0; (c0 = take(next, chunk)) < tiles;) {
    float *dUc = dU + (c0 / chunk) * size;
    for (int i = 0; i < size; i += 4) wasm_v128_store(dUc + i, z);
    for (int b0 = c0, end = c0 + chunk < tiles ? c0 + chunk : tiles; b0 < end; b0 += T) {
      int nt = end - b0 < T ? end - b0 : T;
      gradient_transforms(m, x, dy, b0, nt, v, vs, mm, ms, XD, XH, XW, C1, TD, TH, TW, C2, t1, t2);
      for (int p = 0; p < P; p++) point_product(v + p * vs, mm + p * ms, dUc + p * us, nt, C1, C2);
    }
  }
}

/*
 * The filter gradient's sums dU (see the top of the file) of the correlation
 * of conv_fwd (3x3x3, stride 1) with output gradient dy, for layers with
 * many tiles: each thread takes chunks of `chunk` tiles, summed into their
 * own copy dU + (c0 / chunk) * a^3 * (C1*C2 + PAD) in blocks of T tiles;
 * the caller adds the copies in chunk order (sum_copies: the result is the
 * same bits whatever the threads and T) and turns the sum into taps with
 * wino_wgrad_taps.
 */
void wino_wgrad(const float *x, const float *dy, float *dU, float *scratch, int ss,
                int N, int XD, int XH, int XW, int C1, int OD, int OH, int OW, int C2, int m, int T,
                int *next, int chunk, int part) {
  if (m == 2) gradient_blocks(2, x, dy, dU, scratch, ss, N, XD, XH, XW, C1, OD, OH, OW, C2, next, chunk, T, part);
  else gradient_blocks(4, x, dy, dU, scratch, ss, N, XD, XH, XW, C1, OD, OH, OW, C2, next, chunk, T, part);
}

/*
 * For layers with few tiles (deep, many channels), where a copy of dU per
 * chunk would cost more than the products: wino_wgrad_transform writes the
 * transforms of all tiles, split over tiles, V at v + t*C1 + p*vs and M at
 * mm + t*C2 + p*ms (vs >= tiles*C1, ms >= tiles*C2); wino_wgrad_points then
 * sums them into the one dU, split over transform points, every element
 * summed over the tiles in order (the same bits on any number of threads).
 * wino_wgrad_transform's scratch is 8*a^3 floats per thread.
 */
void wino_wgrad_transform(const float *x, const float *dy, float *v, int vs, float *mm, int ms, float *scratch, int ss,
                          int N, int XD, int XH, int XW, int C1, int OD, int OH, int OW, int C2, int m,
                          int *next, int chunk, int part) {
  int TD = (OD + m - 1) / m, TH = (OH + m - 1) / m, TW = (OW + m - 1) / m, tiles = N * TD * TH * TW;
  float *t1 = scratch + part * ss, *t2 = t1 + (m + 2) * (m + 2) * (m + 2) * 4;
  for (int b0; (b0 = take(next, chunk)) < tiles;) {
    int nt = tiles - b0 < chunk ? tiles - b0 : chunk;
    if (m == 2)
      gradient_transforms(2, x, dy, b0, nt, v + b0 * C1, vs, mm + b0 * C2, ms, XD, XH, XW, C1, TD, TH, TW, C2, t1, t2);
    else
      gradient_transforms(4, x, dy, b0, nt, v + b0 * C1, vs, mm + b0 * C2, ms, XD, XH, XW, C1, TD, TH, TW, C2, t1, t2);
  }
}

void wino_wgrad_points(const float *v, int vs, const float *mm, int ms, float *dU, int tiles, int C1, int C2, int m,
                       int *next, int chunk, int part) {
  (void)part;
  const int a = m + 2, P = a * a * a, us = C1 * C2 + PAD;
  V z = wasm_f32x4_splat(0);
  for (int p0; (p0 = take(next, chunk)) < P;)
    for (int p = p0, p1 = p0 + chunk < P ? p0 + chunk : P; p < p1; p++) {
      float *dUp = dU + p * us;
      for (int i = 0; i < C1 * C2; i += 4) wasm_v128_store(dUp + i, z);
      point_product(v + p * vs, mm + p * ms, dUp, tiles, C1, C2);
    }
}

INLINE void tap_rows(int m, const float *dU, float *df, float *scratch, int ss, int C1, int C2, int *next, int chunk,
                     int part) {
  const int a = m + 2, us = C1 * C2 + PAD;
  float *t1 = scratch + part * ss, *t2 = t1 + a * a * a * 4;
  for (int r0; (r0 = take(next, chunk)) < C1;)
    for (int c1 = r0, r1 = r0 + chunk < C1 ? r0 + chunk : C1; c1 < r1; c1++)
      for (int c = 0; c < C2; c += 4)
        tile3(m == 2 ? GT2 : GT4, 3, a, dU + c1 * C2 + c, a * a * us, a * us, us, df + c1 * C2 + c, C1 * C2, t1, t2);
}

/* df [27][C1][C2] = G^T dU G for every channel pair, split over input channels. */
void wino_wgrad_taps(const float *dU, float *df, float *scratch, int ss, int C1, int C2, int m, int *next, int chunk,
                     int part) {
  if (m == 2) tap_rows(2, dU, df, scratch, ss, C1, C2, next, chunk, part);
  else tap_rows(4, dU, df, scratch, ss, C1, C2, next, chunk, part);
}
