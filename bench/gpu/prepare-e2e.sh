#!/usr/bin/env bash
# Development machine: what the end-to-end decode run (run-e2e.sh) needs on
# the GPU machine, added to .device/ (after prepare-models.sh and
# prepare-speed.sh, whose parts it leaves alone): vptq-model-check,
# vptq-run-aot and vptq-checkpoint with the AOT-only runtime, the floor
# probe, and bundles of Llama-2-7B-shaped VPTQ models (v8-k65536 and
# v8-k4096, 2 and 1.5 bits; the GPU machine synthesizes the 32-layer
# checkpoints, too large to carry) with the tuning database applied.
#   bash bench/gpu/prepare-e2e.sh [arch] [tuning database]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${VPTQ_BUILD_DIR:-$root/build}"
arch="${1:-sm_90a}"
tuning="${2:-$root/bench/tuning/h100.json}"
nvcc="${NVCC:-/usr/local/cuda/bin/nvcc}"
cmake --build "$build" --target vptq-compile vptq-checkpoint vptq-model-check \
  vptq-run-aot > /dev/null
out="$root/.device"
mkdir -p "$out/bin" "$out/lib" "$out/bundles" "$out/e2e"
rm -rf "$out"/bundles/7b-* "$out"/e2e/*
cp "$build"/bin/{vptq-model-check,vptq-run-aot,vptq-checkpoint} "$out/bin/"
cp -P "$build"/lib/libvptq_runtime_aot.so* "$out/lib/"
# The floor probe, unless prepare-speed.sh built it from the current sources.
probe="$out/bin/floor-probe"
if ! [ -x "$probe" ] || [ "$root/bench/gpu/floor-probe.cu" -nt "$probe" ] ||
   [ "$root/bench/gpu/probe-util.cuh" -nt "$probe" ]; then
  "$nvcc" -O3 -std=c++17 -arch="$arch" "$root/bench/gpu/floor-probe.cu" -o "$probe"
fi
shape=(--hidden 4096 --intermediate 11008 --heads 32 --kv-heads 32 --vocab 32000
       --vector-len 8 --res-centroids 0)
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for k in 65536 4096; do
  name="7b-v8-k$k"
  echo "${shape[*]} --centroids $k" > "$out/e2e/$name.options"
  # One layer has every kernel the 32 have (the bundle is keyed by shape).
  "$build/bin/vptq-checkpoint" synth --force -o "$tmp/$name" "${shape[@]}" --centroids "$k" \
    --layers 1 > /dev/null
  "$build/bin/vptq-compile" --force --model "$tmp/$name" --arch "$arch" --tuning "$tuning" \
    --quiet -o "$out/bundles/$name"
done
du -sh "$out"
