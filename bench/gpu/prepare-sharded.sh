#!/usr/bin/env bash
# Development machine: the sharded-codebook decode kernels of
# sharded-layers.txt, each also unsharded (codebook_shards=0), into
# .device/bundles/sharded, and the tilings of sharded-sweep.txt into
# .device/bundles/sharded-sweep, for run-sharded.sh (after prepare-models.sh
# and prepare-e2e.sh, whose parts it leaves alone).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/prepare-common.sh"
nvcc="${NVCC:-/usr/local/cuda/bin/nvcc}"
rm -rf "$out/bundles/sharded" "$out/bundles/sharded-sweep"
prepare_device
"$nvcc" -O3 -std=c++17 -arch="$arch" "$root/bench/gpu/shard-probe.cu" -o "$out/bin/shard-probe"
mapfile -t sharded < <(layers "$root/bench/gpu/sharded-layers.txt")
mapfile -t plain < <(layers "$root/bench/gpu/sharded-layers.txt" ",codebook_shards=0")
"$build/bin/vptq-compile" --force "${sharded[@]}" "${plain[@]}" --arch "$arch" --activation f16 \
  --quiet -o "$out/bundles/sharded"
mapfile -t sweep < <(layers "$root/bench/gpu/sharded-sweep.txt")
"$build/bin/vptq-compile" --force "${sweep[@]}" --arch "$arch" --activation f16 --quiet \
  -o "$out/bundles/sharded-sweep"
du -sh "$out"
