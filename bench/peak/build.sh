#!/bin/sh
# Rebuilds madd.wasm from madd.c (the bench uses the committed binary; the
# native build happens at bench time). Needs clang and lld with the wasm32
# target (Debian: apt-get install clang lld).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
clang --target=wasm32 -O3 -msimd128 -nostdlib -ffile-prefix-map="$here"=. \
  -Wl,--no-entry -Wl,--export=madd -Wl,--export=madd_flops -o madd.wasm madd.c
