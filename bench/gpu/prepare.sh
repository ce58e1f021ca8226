#!/usr/bin/env bash
# Development machine: builds what the GPU machine runs (it has no MLIR):
# vptq-gpu-check, and kernel bundles for the configuration matrices, into
# .device/ (ignored by git; carry it with the device run).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${VPTQ_BUILD_DIR:-$root/build}"
arch="${1:-sm_90a}"
cmake --build "$build" --target vptq-compile vptq-gpu-check vptq-runtime-check
out="$root/.device"
rm -rf "$out" && mkdir -p "$out/bin" "$out/lib" "$out/bundles" "$out/runtime-bundles"
cp "$build/bin/vptq-gpu-check" "$build/bin/vptq-runtime-check" "$out/bin/"
# The AOT-only runtime (no MLIR) that vptq-runtime-check links.
cp -P "$build"/lib/libvptq_runtime_aot.so* "$out/lib/"
for dtype in f16 bf16; do
  layers=()
  while read -r line; do
    [[ -z "$line" || "$line" == \#* ]] && continue
    layers+=(--layer "$line")
  done < "$root/bench/gpu/matrix-$dtype.txt"
  "$build/bin/vptq-compile" --force "${layers[@]}" --arch "$arch" --activation "$dtype" \
    -o "$out/bundles/$dtype-$arch"
done
# Through the runtime: quantized and dense layers of Llama-2-7B shapes, the
# quantized ones with the kernels the runtime takes for batches of 4, 32 and
# 128 rows and more (batch_hint 16, 64, 256), as a model's bundle has them.
runtime_layers=(
  in_features=4096,out_features=4096,vector_len=8,num_centroids=65536,num_res_centroids=256,packed=true,enable_perm=true,enable_norm=true
  in_features=4096,out_features=11008,vector_len=8,num_centroids=65536,packed=true
  in_features=11008,out_features=4096,vector_len=8,num_centroids=4096,num_res_centroids=4096,packed=true
  in_features=2048,out_features=1536,vector_len=8,num_centroids=4096,num_res_centroids=16,num_codebooks=2,outlier_size=128,outlier_vector_len=4,num_outlier_centroids=256,packed=true,enable_perm=true,bias=true
  in_features=2048,out_features=1536,vector_len=4,num_centroids=4096,num_res_centroids=4096
)
runtime_args=()
for l in "${runtime_layers[@]}"; do
  for suffix in "" ,batch_hint=16 ,batch_hint=64 ,batch_hint=256; do
    runtime_args+=(--layer "$l$suffix")
  done
done
for dtype in f16 bf16; do
  "$build/bin/vptq-compile" --force --arch "$arch" --activation "$dtype" --quiet "${runtime_args[@]}" \
    --dense in_features=4096,out_features=4096 \
    --dense in_features=4096,out_features=32000 \
    --dense in_features=2048,out_features=512,bias \
    -o "$out/runtime-bundles/$dtype-$arch"
done
du -sh "$out"
