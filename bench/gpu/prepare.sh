#!/usr/bin/env bash
# Development machine: builds what the GPU machine runs (it has no MLIR):
# vptq-gpu-check, and kernel bundles for the configuration matrices, into
# .device/ (ignored by git; carry it with the device run).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${VPTQ_BUILD_DIR:-$root/build}"
arch="${1:-sm_90a}"
cmake --build "$build" --target vptq-compile vptq-gpu-check
out="$root/.device"
rm -rf "$out" && mkdir -p "$out/bin" "$out/bundles"
cp "$build/bin/vptq-gpu-check" "$out/bin/"
for dtype in f16 bf16; do
  layers=()
  while read -r line; do
    [[ -z "$line" || "$line" == \#* ]] && continue
    layers+=(--layer "$line")
  done < "$root/bench/gpu/matrix-$dtype.txt"
  "$build/bin/vptq-compile" "${layers[@]}" --arch "$arch" --activation "$dtype" \
    -o "$out/bundles/$dtype-$arch"
done
du -sh "$out"
