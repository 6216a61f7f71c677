/*
 * The machine's multiply-add throughput: ACC independent vector accumulators,
 * each updated acc = acc * m + a in every iteration, so no update waits for
 * the one before it and the loop runs at the rate of the vector units. The
 * same source builds to WebAssembly SIMD (4-wide, a separate multiply and add:
 * the engine's own limit, build.sh) and natively with `cc -O3 -march=native`
 * (the widest vectors of the machine, the multiply-add contracted to FMA:
 * the hardware's limit). m < 1 and a > 0 keep every value near 1, never
 * denormal. Without -ffast-math the compiler may not fold the loop away.
 */
#ifdef __wasm__
#define WIDTH 16
#else
#define WIDTH 64
#endif
#define ACC 12

typedef float vf __attribute__((vector_size(WIDTH)));

/** Floating-point operations one call of madd(iters) does. */
double madd_flops(double iters) {
  return iters * ACC * (WIDTH / sizeof(float)) * 2;
}

float madd(int iters) {
  vf acc[ACC];
  vf m, a;
  for (unsigned j = 0; j < WIDTH / sizeof(float); j++) {
    m[j] = 0.9999f;
    a[j] = 1e-4f;
  }
  for (int i = 0; i < ACC; i++) acc[i] = m * (float)i;
  for (int n = 0; n < iters; n++) {
    for (int i = 0; i < ACC; i++) acc[i] = acc[i] * m + a;
  }
  vf s = acc[0];
  for (int i = 1; i < ACC; i++) s += acc[i];
  float total = 0;
  for (unsigned j = 0; j < WIDTH / sizeof(float); j++) total += s[j];
  return total;
}

#ifndef __wasm__
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int iterations;
static float results[64];

static void *run(void *slot) {
  *(float *)slot = madd(iterations);
  return NULL;
}

/* madd <threads> <iterations>: prints the FLOPs done and the wall seconds of all threads together. */
int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: madd <threads 1..64> <iterations per thread>\n");
    return 2;
  }
  int threads = atoi(argv[1]);
  iterations = atoi(argv[2]);
  if (threads < 1 || threads > 64 || iterations < 1) {
    fprintf(stderr, "madd: threads should be 1..64 and iterations >= 1; found %s %s\n", argv[1], argv[2]);
    return 2;
  }
  pthread_t ids[64];
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int t = 0; t < threads; t++) pthread_create(&ids[t], NULL, run, &results[t]);
  for (int t = 0; t < threads; t++) pthread_join(ids[t], NULL);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  float check = 0;
  for (int t = 0; t < threads; t++) check += results[t];
  /* The sum is printed so the work cannot be dropped as unused. */
  printf("%.0f %.6f %g\n", threads * madd_flops(iterations), (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9, check);
  return 0;
}
#endif
