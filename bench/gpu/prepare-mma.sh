#!/usr/bin/env bash
# Development machine: the tensor-core (mma) kernels run-mma.sh checks on
# the GPU machine, into .device/bundles/mma-*: every configuration of
# matrix-f16.txt / matrix-bf16.txt as the runtime's prompt kernels
# (batch_hint=16 and batch_hint=64, so the heuristic's mma tilings for 16
# and 64 rows), and the edge cases of matrix-mma.txt (f16 and bf16).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/prepare-common.sh"
rm -rf "$out"/bundles/mma-*
prepare_device
for dtype in f16 bf16; do
  mapfile -t prompt < <(layers "$root/bench/gpu/matrix-$dtype.txt" ",batch_hint=16")
  "$build/bin/vptq-compile" --force "${prompt[@]}" --arch "$arch" --activation "$dtype" --quiet \
    -o "$out/bundles/mma-prompt-$dtype"
  mapfile -t mid < <(layers "$root/bench/gpu/matrix-$dtype.txt" ",batch_hint=64")
  "$build/bin/vptq-compile" --force "${mid[@]}" --arch "$arch" --activation "$dtype" --quiet \
    -o "$out/bundles/mma-mid-$dtype"
  mapfile -t edges < <(layers "$root/bench/gpu/matrix-mma.txt")
  "$build/bin/vptq-compile" --force "${edges[@]}" --arch "$arch" --activation "$dtype" --quiet \
    -o "$out/bundles/mma-edges-$dtype"
done
grep -c '"mma": true' "$out"/bundles/mma-*/manifest.json
