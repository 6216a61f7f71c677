#!/bin/sh
# Rebuilds distances.wasm from distances.c. Users never need this: the built
# binary is committed. Needs clang and lld with the wasm32 target (Debian:
# apt-get install clang lld). `build.sh --check` rebuilds into a temporary
# file and fails if it differs from the committed binary.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/distances.wasm"
if [ "${1:-}" = "--check" ]; then out=$(mktemp); fi
clang --target=wasm32 -O3 -msimd128 -matomics -mbulk-memory -nostdlib \
  -ffile-prefix-map="$here"=. \
  -Wl,--no-entry -Wl,--import-memory -Wl,--shared-memory -Wl,--max-memory=4294967296 \
  -Wl,--export=sqdist_block \
  -o "$out" "$here/distances.c"
if [ "${1:-}" = "--check" ]; then
  if cmp -s "$out" "$here/distances.wasm"; then rm -f "$out"; echo "distances.wasm matches distances.c"
  else rm -f "$out"; echo "distances.wasm is stale: run lib/analysis/kernels/build.sh" >&2; exit 1; fi
fi
