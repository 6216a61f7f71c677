/*
 * The kernels as a Node-API addon, compiled on the user's machine with
 * -march=native (lib/engine/native-kernels.ts) so that they run on the
 * machine's own vector width with FMA instead of WebAssembly's 128-bit SIMD.
 * The kernels themselves are the same sources as kernels.wasm (conv3d.c,
 * winograd.c, batchnorm.c over simd.h); this file maps the wasm-style
 * arguments (byte addresses into the kernel memory, then integers) to
 * pointers and runs the shares on POSIX threads.
 *
 * Node-API is declared here rather than included: its C ABI is stable across
 * Node versions, and Node's headers are not installed on every machine that
 * has a compiler.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

typedef struct napi_env__ *napi_env;
typedef struct napi_value__ *napi_value;
typedef struct napi_callback_info__ *napi_callback_info;
typedef int napi_status;
typedef napi_value (*napi_callback)(napi_env, napi_callback_info);
napi_status napi_get_cb_info(napi_env, napi_callback_info, size_t *, napi_value *, napi_value *, void **);
napi_status napi_get_typedarray_info(napi_env, napi_value, int *, size_t *, void **, napi_value *, size_t *);
napi_status napi_get_value_int32(napi_env, napi_value, int32_t *);
napi_status napi_get_element(napi_env, napi_value, uint32_t, napi_value *);
napi_status napi_create_function(napi_env, const char *, size_t, napi_callback, void *, napi_value *);
napi_status napi_create_string_utf8(napi_env, const char *, size_t, napi_value *);
napi_status napi_set_named_property(napi_env, napi_value, const char *, napi_value);
napi_status napi_throw_error(napi_env, const char *, const char *);
#define NAPI_OK 0
#define NAPI_AUTO_LENGTH SIZE_MAX

void conv_fwd(const float *, const float *, float *, const int *, int, int, int, int, int, int, int, int, int, int, int,
              int *, int, int);
void convt_fwd(const float *, const float *, float *, const int *, int, int, int, int, int, int, int, int *, int, int);
void conv_wgrad(const float *, const float *, float *, const int *, int, int, int, int, int, int, int, int, int, int,
                int, int *, int, int);
void sum_copies(float *, int, int, int *, int, int);
void maxpool_fwd(const float *, float *, int, int, int, int, int, int, int *, int, int);
void maxpool_grad(const float *, const float *, float *, int, int, int, int, int, int, int *, int, int);
void wino_filter(const float *, float *, float *, int, int, int, int, int *, int, int);
void wino_fwd(const float *, const float *, float *, const int *, float *, int, int, int, int, int, int, int, int, int,
              int, int, int *, int, int);
void wino_wgrad(const float *, const float *, float *, float *, int, int, int, int, int, int, int, int, int, int, int,
                int, int *, int, int);
void wino_wgrad_transform(const float *, const float *, float *, int, float *, int, float *, int, int, int, int, int, int, int,
                          int, int, int, int, int *, int, int);
void wino_wgrad_points(const float *, int, const float *, int, float *, int, int, int, int, int *, int, int);
void wino_wgrad_taps(const float *, float *, float *, int, int, int, int, int *, int, int);
void bn_stats(const float *, const float *, double *, int, int, int *, int, int);
void bn_affine(const float *, const float *, const float *, float *, int, int, int, int *, int, int);
void bn_grad_stats(const float *, const float *, const float *, const float *, const float *, double *, int, int, int,
                   int *, int, int);
void bn_grad_dx(const float *, const float *, const float *, const float *, const float *, const float *,
                const float *, float *, int, int, int, int *, int, int);

/* Argument i as a pointer (a byte offset from its base b[i]: the kernel memory or an array of its own), or as an integer. */
#define P(i) ((void *)(b[i] + (uint32_t)a[i]))
#define I(i) (a[i])

typedef void (*kernel)(uint8_t *const *b, const int32_t *a, int part);
static void k_conv_fwd(uint8_t *const *b, const int32_t *a, int part) {
  conv_fwd(P(0), P(1), P(2), P(3), I(4), I(5), I(6), I(7), I(8), I(9), I(10), I(11), I(12), I(13), I(14), P(15), I(16),
           part);
}
static void k_convt_fwd(uint8_t *const *b, const int32_t *a, int part) {
  convt_fwd(P(0), P(1), P(2), P(3), I(4), I(5), I(6), I(7), I(8), I(9), I(10), P(11), I(12), part);
}
static void k_conv_wgrad(uint8_t *const *b, const int32_t *a, int part) {
  conv_wgrad(P(0), P(1), P(2), P(3), I(4), I(5), I(6), I(7), I(8), I(9), I(10), I(11), I(12), I(13), I(14), P(15),
             I(16), part);
}
static void k_sum_copies(uint8_t *const *b, const int32_t *a, int part) { sum_copies(P(0), I(1), I(2), P(3), I(4), part); }
static void k_maxpool_fwd(uint8_t *const *b, const int32_t *a, int part) {
  maxpool_fwd(P(0), P(1), I(2), I(3), I(4), I(5), I(6), I(7), P(8), I(9), part);
}
static void k_maxpool_grad(uint8_t *const *b, const int32_t *a, int part) {
  maxpool_grad(P(0), P(1), P(2), I(3), I(4), I(5), I(6), I(7), I(8), P(9), I(10), part);
}
static void k_wino_filter(uint8_t *const *b, const int32_t *a, int part) {
  wino_filter(P(0), P(1), P(2), I(3), I(4), I(5), I(6), P(7), I(8), part);
}
static void k_wino_fwd(uint8_t *const *b, const int32_t *a, int part) {
  wino_fwd(P(0), P(1), P(2), P(3), P(4), I(5), I(6), I(7), I(8), I(9), I(10), I(11), I(12), I(13), I(14), I(15), P(16),
           I(17), part);
}
static void k_wino_wgrad(uint8_t *const *b, const int32_t *a, int part) {
  wino_wgrad(P(0), P(1), P(2), P(3), I(4), I(5), I(6), I(7), I(8), I(9), I(10), I(11), I(12), I(13), I(14), I(15), P(16),
             I(17), part);
}
static void k_wino_wgrad_transform(uint8_t *const *b, const int32_t *a, int part) {
  wino_wgrad_transform(P(0), P(1), P(2), I(3), P(4), I(5), P(6), I(7), I(8), I(9), I(10), I(11), I(12), I(13), I(14),
                       I(15), I(16), I(17), P(18), I(19), part);
}
static void k_wino_wgrad_points(uint8_t *const *b, const int32_t *a, int part) {
  wino_wgrad_points(P(0), I(1), P(2), I(3), P(4), I(5), I(6), I(7), I(8), P(9), I(10), part);
}
static void k_wino_wgrad_taps(uint8_t *const *b, const int32_t *a, int part) {
  wino_wgrad_taps(P(0), P(1), P(2), I(3), I(4), I(5), I(6), P(7), I(8), part);
}
static void k_bn_stats(uint8_t *const *b, const int32_t *a, int part) { bn_stats(P(0), P(1), P(2), I(3), I(4), P(5), I(6), part); }
static void k_bn_affine(uint8_t *const *b, const int32_t *a, int part) {
  bn_affine(P(0), P(1), P(2), P(3), I(4), I(5), I(6), P(7), I(8), part);
}
static void k_bn_grad_stats(uint8_t *const *b, const int32_t *a, int part) {
  bn_grad_stats(P(0), P(1), P(2), P(3), P(4), P(5), I(6), I(7), I(8), P(9), I(10), part);
}
static void k_bn_grad_dx(uint8_t *const *b, const int32_t *a, int part) {
  bn_grad_dx(P(0), P(1), P(2), P(3), P(4), P(5), P(6), P(7), I(8), I(9), I(10), P(11), I(12), part);
}

/* In the order of NAMES in lib/engine/threads.ts, which checks it against KERNEL_NAMES at load. */
static const kernel KERNELS[] = {
    k_conv_fwd,   k_convt_fwd,  k_conv_wgrad,           k_sum_copies,        k_maxpool_fwd,     k_maxpool_grad,
    k_wino_filter, k_wino_fwd,  k_wino_wgrad,           k_wino_wgrad_transform, k_wino_wgrad_points, k_wino_wgrad_taps,
    k_bn_stats,   k_bn_affine,  k_bn_grad_stats,        k_bn_grad_dx};
static const char KERNEL_NAMES[] = "conv_fwd,convt_fwd,conv_wgrad,sum_copies,maxpool_fwd,maxpool_grad,wino_filter,wino_fwd,"
                                   "wino_wgrad,wino_wgrad_transform,wino_wgrad_points,wino_wgrad_taps,bn_stats,bn_affine,"
                                   "bn_grad_stats,bn_grad_dx";
#define NKERNELS ((int)(sizeof KERNELS / sizeof KERNELS[0]))
#define MAX_ARGS 64
#define MAX_THREADS 256

struct share {
  kernel fn;
  uint8_t *const *b;
  const int32_t *a;
  int part;
};

static void *run_share(void *p) {
  struct share *s = p;
  s->fn(s->b, s->a, s->part);
  return NULL;
}

/*
 * run(memory, kernel, args, threads, bases, arrays): memory a typed array
 * over the whole kernel memory, kernel an index into KERNELS, args an
 * Int32Array, bases an Int32Array as long as args: 0 where an address
 * argument is into the kernel memory, j where it is into arrays[j - 1] (a
 * tensor's own memory, read or written where it is). Runs share 0 on the
 * calling thread and the others on new threads, and returns when all are done.
 */
static napi_value run(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  void *mem, *args, *bases;
  size_t memLength, argsLength, basesLength;
  int32_t k, threads;
  int type;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != NAPI_OK || argc != 6 ||
      napi_get_typedarray_info(env, argv[0], &type, &memLength, &mem, NULL, NULL) != NAPI_OK ||
      napi_get_value_int32(env, argv[1], &k) != NAPI_OK ||
      napi_get_typedarray_info(env, argv[2], &type, &argsLength, &args, NULL, NULL) != NAPI_OK ||
      napi_get_value_int32(env, argv[3], &threads) != NAPI_OK ||
      napi_get_typedarray_info(env, argv[4], &type, &basesLength, &bases, NULL, NULL) != NAPI_OK) {
    napi_throw_error(env, NULL, "native kernels: run(memory, kernel, args, threads, bases, arrays) got wrong arguments");
    return NULL;
  }
  if (k < 0 || k >= NKERNELS || argsLength > MAX_ARGS || basesLength != argsLength || threads < 1 || threads > MAX_THREADS) {
    napi_throw_error(env, NULL, "native kernels: kernel index, argument count or thread count out of range");
    return NULL;
  }
  int32_t a[MAX_ARGS];
  uint8_t *b[MAX_ARGS];
  for (size_t i = 0; i < argsLength; i++) {
    int32_t j = ((const int32_t *)bases)[i];
    a[i] = ((const int32_t *)args)[i];
    b[i] = mem;
    if (j == 0) continue;
    napi_value array;
    void *data;
    size_t length;
    if (j < 0 || napi_get_element(env, argv[5], (uint32_t)(j - 1), &array) != NAPI_OK ||
        napi_get_typedarray_info(env, array, &type, &length, &data, NULL, NULL) != NAPI_OK || data == NULL) {
      napi_throw_error(env, NULL, "native kernels: an argument's array is missing or not a typed array");
      return NULL;
    }
    b[i] = data;
  }
  struct share shares[MAX_THREADS];
  pthread_t ids[MAX_THREADS];
  int started = 1;
  for (int part = 0; part < threads; part++) shares[part] = (struct share){KERNELS[k], b, a, part};
  for (; started < threads; started++)
    if (pthread_create(&ids[started], NULL, run_share, &shares[started]) != 0) break;
  /* A thread that could not start leaves its share to this one: the kernels hand out work through a counter. */
  run_share(&shares[0]);
  for (int part = 1; part < started; part++) pthread_join(ids[part], NULL);
  return NULL;
}

__attribute__((visibility("default"))) napi_value napi_register_module_v1(napi_env env, napi_value exports) {
  napi_value fn, names;
  if (napi_create_function(env, "run", NAPI_AUTO_LENGTH, run, NULL, &fn) != NAPI_OK ||
      napi_set_named_property(env, exports, "run", fn) != NAPI_OK ||
      napi_create_string_utf8(env, KERNEL_NAMES, NAPI_AUTO_LENGTH, &names) != NAPI_OK ||
      napi_set_named_property(env, exports, "kernels", names) != NAPI_OK)
    return NULL;
  return exports;
}
