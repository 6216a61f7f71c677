#!/bin/sh
# Rebuilds conv3d.wasm from conv3d.c. Users never need this: the built binary
# is committed. Needs clang and lld with the wasm32 target (Debian: apt-get
# install clang lld). `build.sh --check` rebuilds into a temporary file and
# fails if it differs from the committed binary.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/conv3d.wasm"
if [ "${1:-}" = "--check" ]; then out=$(mktemp); fi
clang --target=wasm32 -O3 -msimd128 -matomics -mbulk-memory -nostdlib \
  -ffile-prefix-map="$here"=. \
  -Wl,--no-entry -Wl,--import-memory -Wl,--shared-memory -Wl,--max-memory=4294967296 \
  -Wl,--export=conv_fwd -Wl,--export=convt_fwd -Wl,--export=conv_wgrad -Wl,--export=maxpool_fwd -Wl,--export=maxpool_grad \
  -o "$out" "$here/conv3d.c"
if [ "${1:-}" = "--check" ]; then
  if cmp -s "$out" "$here/conv3d.wasm"; then rm -f "$out"; echo "conv3d.wasm matches conv3d.c"
  else rm -f "$out"; echo "conv3d.wasm is stale: run lib/engine/kernels/build.sh" >&2; exit 1; fi
fi
