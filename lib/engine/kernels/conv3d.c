/*
 * 3-D convolution kernels for the workbench engine, compiled to WebAssembly
 * SIMD (see build.sh). Every function works on one share of the job
 * (part of nparts) so the same call runs on several threads that share one
 * linear memory; the shares write disjoint outputs, so no locking is needed.
 *
 * Layouts (channels last, float32):
 *   activations      [N][D][H][W][C]
 *   tap offsets      int toff[ntaps]: element offset of each filter tap
 *                    relative to the tap (0,0,0) position in the input
 *   packed filters   conv_fwd: [C2/8][ntaps][C1][8]; convt_fwd: [ntaps][C2/8][C1][8]
 * C2 (the vector side) is always a multiple of 8; the caller pads it.
 * Nothing here touches the C stack, so instances on different threads can
 * share the memory without per-thread stacks. The register tiles are in
 * tiles.h; stride-1 3x3x3 correlations with a multiple of 4 input channels
 * usually run in winograd.c instead (lib/engine/winograd-choice.ts decides).
 */
#include "tiles.h"

/*
 * Correlation: out[n,od,oh,ow,:] = sum_taps sum_c1 x[n, od*s+kd, oh*s+kh, ow*s+kw, c1] * f[tap][c1][:]
 * over an already padded input x [N][XD][XH][XW][C1]. Split over output rows.
 */
void conv_fwd(const float *x, const float *fp, float *out, const int *toff,
              int N, int XD, int XH, int XW, int C1,
              int OD, int OH, int OW, int C2, int ntaps, int s, int *next, int chunk, int part) {
  (void)part;
  int rows = N * OD * OH;
  int ncob = C2 / 8;
  for (int r0; (r0 = take(next, chunk)) < rows;)
  for (int r = r0, r1 = r0 + chunk < rows ? r0 + chunk : rows; r < r1; r++) {
    int n = r / (OD * OH), rem = r % (OD * OH), od = rem / OH, oh = rem % OH;
    const float *xrow = x + (((n * XD + od * s) * XH + oh * s) * XW) * C1;
    float *orow = out + r * OW * C2;
    for (int cob = 0; cob < ncob; cob++) {
      const float *B = fp + cob * ntaps * C1 * 8;
      for (int ow = 0; ow < OW;)
        ow += tile_rows(OW - ow, xrow + ow * s * C1, s * C1, toff, ntaps, C1, B, orow + ow * C2 + cob * 8, C2);
    }
  }
}

/*
 * Transposed convolution whose kernel equals its stride s (patches do not
 * overlap): out[n, d*s+a, h*s+b, w*s+c, :] = sum_c1 x[n,d,h,w,c1] * f[(a,b,c)][c1][:].
 * toff must point at a single 0. Split over input rows.
 */
void convt_fwd(const float *x, const float *fp, float *out, const int *toff,
               int N, int D, int H, int W, int C1, int C2, int s, int *next, int chunk, int part) {
  (void)part;
  int rows = N * D * H;
  int ncob = C2 / 8, OD = D * s, OH = H * s, OW = W * s;
  for (int r0; (r0 = take(next, chunk)) < rows;)
  for (int r = r0, r1 = r0 + chunk < rows ? r0 + chunk : rows; r < r1; r++) {
    int n = r / (D * H), rem = r % (D * H), d = rem / H, h = rem % H;
    const float *xrow = x + r * W * C1;
    for (int a = 0; a < s; a++)
      for (int b = 0; b < s; b++) {
        float *orow = out + (((n * OD + d * s + a) * OH + h * s + b) * OW) * C2;
        for (int c = 0; c < s; c++) {
          int tap = (a * s + b) * s + c;
          for (int cob = 0; cob < ncob; cob++) {
            const float *B = fp + (tap * ncob + cob) * C1 * 8;
            float *o = orow + c * C2 + cob * 8;
            for (int w = 0; w < W;) w += tile_rows(W - w, xrow + w * C1, C1, toff, 1, C1, B, o + w * s * C2, s * C2);
          }
        }
      }
  }
}

/*
 * Filter gradient: dF[tap][c1][:] = sum_{n,od,oh,ow} A[n, od*s+kd, oh*s+kh, ow*s+kw, c1] * B[n,od,oh,ow,:]
 * with A padded [N][AD][AH][AW][C1] and B [N][OD][OH][OW][C2]. Each chunk
 * of rows is summed into its own copy dF + (r0 / chunk) * ntaps*C1*C2
 * (zeroed here); the caller adds the copies in chunk order, so the result
 * does not depend on which thread took which chunk.
 */
void conv_wgrad(const float *A, const float *B, float *dF, const int *toff,
                int N, int AD, int AH, int AW, int C1,
                int OD, int OH, int OW, int C2, int ntaps, int s, int *next, int chunk, int part) {
  (void)part;
  int ncob = C2 / 8, items = ntaps * ncob, size = ntaps * C1 * C2;
  V z = wasm_f32x4_splat(0);
  int rows = N * OD * OH, as = s * C1;
  for (int r0; (r0 = take(next, chunk)) < rows;) {
    float *dFc = dF + (r0 / chunk) * size;
    for (int i = 0; i < size; i += 4) wasm_v128_store(dFc + i, z);
    for (int r = r0, r1 = r0 + chunk < rows ? r0 + chunk : rows; r < r1; r++) {
      int n = r / (OD * OH), rem = r % (OD * OH), od = rem / OH, oh = rem % OH;
      const float *arow = A + (((n * AD + od * s) * AH + oh * s) * AW) * C1;
      const float *brow = B + r * OW * C2;
      for (int it = 0; it < items; it++) {
        int t = it / ncob, cob = it % ncob;
        const float *a = arow + toff[t];
        const float *b = brow + cob * 8;
        float *f = dFc + t * C1 * C2 + cob * 8;
        for (int c1 = 0; c1 < C1;) c1 += outer_rows(C1 - c1, a + c1, as, b, C2, OW, f + c1 * C2, C2);
      }
    }
  }
}

/*
 * data[i] = sum over k < copies of data[k*size + i], added in k order (the
 * filter gradients' per-chunk sums; size a multiple of 4). Split over
 * groups of 4 floats.
 */
void sum_copies(float *data, int size, int copies, int *next, int chunk, int part) {
  (void)part;
  int groups = size / 4;
  for (int g0; (g0 = take(next, chunk)) < groups;)
    for (int g = g0, g1 = g0 + chunk < groups ? g0 + chunk : groups; g < g1; g++) {
      V acc = wasm_v128_load(data + g * 4);
      for (int k = 1; k < copies; k++) acc = wasm_f32x4_add(acc, wasm_v128_load(data + k * size + g * 4));
      wasm_v128_store(data + g * 4, acc);
    }
}

/* Offset of voxel (n, d, h, w) in an [N][D][H][W][C] array. */
static inline int at(int n, int d, int h, int w, int D, int H, int W, int C) {
  return (((n * D + d) * H + h) * W + w) * C;
}

/*
 * Max-pool with a k^3 window and stride k, no padding:
 * out[n,od,oh,ow,c] = max over the window at (od*k, oh*k, ow*k).
 */
void maxpool_fwd(const float *x, float *out, int N, int D, int H, int W, int C, int k,
                 int *next, int chunk, int part) {
  (void)part;
  int OD = D / k, OH = H / k, OW = W / k, rows = N * OD * OH;
  for (int r0; (r0 = take(next, chunk)) < rows;)
  for (int r = r0, r1 = r0 + chunk < rows ? r0 + chunk : rows; r < r1; r++) {
    int n = r / (OD * OH), rem = r % (OD * OH), od = rem / OH, oh = rem % OH;
    float *o = out + r * OW * C;
    for (int ow = 0; ow < OW; ow++, o += C) {
      const float *base = x + at(n, od * k, oh * k, ow * k, D, H, W, C);
      int c = 0;
      for (; c + 4 <= C; c += 4) {
        V m = wasm_v128_load(base + c);
        for (int a = 0; a < k; a++)
          for (int b = 0; b < k; b++)
            for (int e = 0; e < k; e++) m = wasm_f32x4_max(m, wasm_v128_load(base + ((a * H + b) * W + e) * C + c));
        wasm_v128_store(o + c, m);
      }
      for (; c < C; c++) {
        float m = base[c];
        for (int a = 0; a < k; a++)
          for (int b = 0; b < k; b++)
            for (int e = 0; e < k; e++) {
              float v = base[((a * H + b) * W + e) * C + c];
              m = v > m ? v : m;
            }
        o[c] = m;
      }
    }
  }
}

/*
 * Gradient of maxpool_fwd: each dy goes to one voxel of its window, the
 * last one in (d, h, w) scan order that holds the maximum (tfjs' rule);
 * every other voxel of the window gets 0. Voxels outside all windows (when
 * D, H or W is not a multiple of k) are left alone: the caller zeroes them.
 */
void maxpool_grad(const float *x, const float *dy, float *dx, int N, int D, int H, int W, int C, int k,
                  int *next, int chunk, int part) {
  (void)part;
  int OD = D / k, OH = H / k, OW = W / k, rows = N * OD * OH;
  for (int r0; (r0 = take(next, chunk)) < rows;)
  for (int r = r0, r1 = r0 + chunk < rows ? r0 + chunk : rows; r < r1; r++) {
    int n = r / (OD * OH), rem = r % (OD * OH), od = rem / OH, oh = rem % OH;
    const float *g = dy + r * OW * C;
    for (int ow = 0; ow < OW; ow++, g += C) {
      int corner = at(n, od * k, oh * k, ow * k, D, H, W, C);
      const float *base = x + corner;
      float *dbase = dx + corner;
      int c = 0;
      for (; c + 4 <= C; c += 4) {
        V m = wasm_v128_load(base + c);
        for (int a = 0; a < k; a++)
          for (int b = 0; b < k; b++)
            for (int e = 0; e < k; e++) m = wasm_f32x4_max(m, wasm_v128_load(base + ((a * H + b) * W + e) * C + c));
        V gv = wasm_v128_load(g + c), found = wasm_i32x4_splat(0);
        for (int a = k - 1; a >= 0; a--)
          for (int b = k - 1; b >= 0; b--)
            for (int e = k - 1; e >= 0; e--) {
              int off = ((a * H + b) * W + e) * C + c;
              V hit = wasm_v128_andnot(wasm_f32x4_eq(wasm_v128_load(base + off), m), found);
              wasm_v128_store(dbase + off, wasm_v128_and(hit, gv));
              found = wasm_v128_or(found, hit);
            }
      }
      for (; c < C; c++) {
        float m = base[c];
        for (int a = 0; a < k; a++)
          for (int b = 0; b < k; b++)
            for (int e = 0; e < k; e++) {
              float v = base[((a * H + b) * W + e) * C + c];
              m = v > m ? v : m;
            }
        int found = 0;
        for (int a = k - 1; a >= 0; a--)
          for (int b = k - 1; b >= 0; b--)
            for (int e = k - 1; e >= 0; e--) {
              int off = ((a * H + b) * W + e) * C + c;
              int hit = !found && base[off] == m;
              dbase[off] = hit ? g[c] : 0.0f;
              found |= hit;
            }
      }
    }
  }
}
