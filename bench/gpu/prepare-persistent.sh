#!/usr/bin/env bash
# Development machine: the decode kernels with persistent blocks that
# run-persistent.sh checks and times on the GPU machine, from
# matrix-persistent.txt, f16 and bf16, into .device/bundles/persistent-*.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${VPTQ_BUILD_DIR:-$root/build}"
arch="${1:-sm_90a}"
cmake --build "$build" --target vptq-compile vptq-gpu-check > /dev/null
out="$root/.device"
rm -rf "$out"/bundles/persistent-* && mkdir -p "$out/bin" "$out/bundles"
cp "$build/bin/vptq-gpu-check" "$out/bin/"
layers() { grep -v '^#' "$1" | grep -v '^$' | sed 's/^/--layer\n/'; }
mapfile -t lines < <(layers "$root/bench/gpu/matrix-persistent.txt")
for dtype in f16 bf16; do
  "$build/bin/vptq-compile" "${lines[@]}" --arch "$arch" --activation "$dtype" --quiet \
    -o "$out/bundles/persistent-$dtype"
done
grep -c '"persistent_blocks": [1-9]' "$out"/bundles/persistent-*/manifest.json
