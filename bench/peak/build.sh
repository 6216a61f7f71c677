#!/bin/sh
# Rebuilds madd.wasm from madd.c (the bench uses the committed binary; its
# native build happens at bench time). Needs clang and lld with the wasm32
# target (Debian: apt-get install clang lld). `build.sh --check` rebuilds into
# a temporary file and fails if it differs from the committed binary.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/madd.wasm"
if [ "${1:-}" = "--check" ]; then out=$(mktemp); fi
clang --target=wasm32 -O3 -msimd128 -nostdlib -ffile-prefix-map="$here"=. \
  -Wl,--no-entry -Wl,--export=madd -Wl,--export=madd_flops -o "$out" "$here/madd.c"
if [ "${1:-}" = "--check" ]; then
  if cmp -s "$out" "$here/madd.wasm"; then rm -f "$out"; echo "madd.wasm matches madd.c"
  else rm -f "$out"; echo "madd.wasm is stale: run bench/peak/build.sh" >&2; exit 1; fi
fi
