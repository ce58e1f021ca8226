#!/usr/bin/env bash
# Development machine: the decode kernels with persistent blocks that
# run-persistent.sh checks and times on the GPU machine, from
# matrix-persistent.txt, f16 and bf16, into .device/bundles/persistent-*.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/prepare-common.sh"
rm -rf "$out"/bundles/persistent-*
prepare_device
mapfile -t lines < <(layers "$root/bench/gpu/matrix-persistent.txt")
for dtype in f16 bf16; do
  "$build/bin/vptq-compile" --force "${lines[@]}" --arch "$arch" --activation "$dtype" --quiet \
    -o "$out/bundles/persistent-$dtype"
done
grep -c '"persistent_blocks": [1-9]' "$out"/bundles/persistent-*/manifest.json
