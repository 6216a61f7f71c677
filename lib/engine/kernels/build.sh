#!/bin/sh
# Rebuilds kernels.wasm from conv3d.c, winograd.c and batchnorm.c (and
# tiles.h). Users never need this: the built binary is committed. Needs clang
# and lld with the wasm32 target (Debian: apt-get install clang lld). `build.sh --check` rebuilds into a
# temporary file and fails if it differs from the committed binary.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/kernels.wasm"
if [ "${1:-}" = "--check" ]; then out=$(mktemp); fi
cd "$here"
clang --target=wasm32 -O3 -msimd128 -matomics -mbulk-memory -nostdlib \
  -ffile-prefix-map="$here"=. \
  -Wl,--no-entry -Wl,--import-memory -Wl,--shared-memory -Wl,--max-memory=4294967296 \
  -Wl,--export=conv_fwd -Wl,--export=convt_fwd -Wl,--export=conv_wgrad -Wl,--export=sum_copies -Wl,--export=maxpool_fwd -Wl,--export=maxpool_grad \
  -Wl,--export=wino_filter -Wl,--export=wino_fwd -Wl,--export=wino_wgrad -Wl,--export=wino_wgrad_transform -Wl,--export=wino_wgrad_points \
  -Wl,--export=wino_wgrad_taps \
  -Wl,--export=bn_stats -Wl,--export=bn_affine -Wl,--export=bn_grad_stats -Wl,--export=bn_grad_dx \
  -o "$out" conv3d.c winograd.c batchnorm.c
if [ "${1:-}" = "--check" ]; then
  if cmp -s "$out" "$here/kernels.wasm"; then rm -f "$out"; echo "kernels.wasm matches its sources"
  else rm -f "$out"; echo "kernels.wasm is stale: run lib/engine/kernels/build.sh" >&2; exit 1; fi
fi
