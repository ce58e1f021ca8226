#!/usr/bin/env bash
# Development machine: builds what the quantizer check on the GPU machine
# runs (no MLIR there) into .device/: vptq-quantizer-check,
# vptq-quantize-aot and vptq-run-aot with the AOT-only runtime; stories260K
# in f32 with an sm_90a bundle of its calibration kernels and the quantizer
# kernels (vptq-compile --quantizer); and a bundle for the quantized model
# the GPU machine will write (its layer configurations depend only on the
# options, so a quantization here fixes them).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${VPTQ_BUILD_DIR:-$root/build}"
shared="${VPTQ_SHARED_DIR:-$root/../shared}"
arch="${1:-sm_90a}"
cmake --build "$build" --target vptq-compile vptq-convert vptq-quantize \
  vptq-quantize-aot vptq-run-aot vptq-quantizer-check > /dev/null
out="$root/.device"
rm -rf "$out" && mkdir -p "$out/bin" "$out/lib" "$out/models" "$out/bundles"
cp "$build"/bin/{vptq-quantizer-check,vptq-quantize-aot,vptq-run-aot} "$out/bin/"
cp -P "$build"/lib/libvptq_runtime_aot.so* "$out/lib/"
cp "$shared/data/tinystories_val.txt" "$out/models/"
m="$out/models/stories260K"
"$build/bin/vptq-convert" --force --llama2c "$shared/models/stories260K/stories260K.bin" \
  --tokenizer "$shared/models/stories260K/tok512.bin" -o "$m" --dtype f32 > /dev/null
compile() { "$build/bin/vptq-compile" --force --arch "$arch" --quiet "$@"; }
compile --model "$m" --activation f32 --quantizer 2,4,6,8,16 \
  --quantizer-inputs 4096 -o "$out/bundles/calibrate"
# The configurations quantize-and-run on the GPU machine uses.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for config in "v4k256r16:--vector-len 4 --centroids 256 --res-centroids 16" \
              "v2k16:--vector-len 2 --centroids 16"; do
  name="${config%%:*}"
  # shellcheck disable=SC2086
  "$build/bin/vptq-quantize" --force --model "$m" -o "$tmp/$name" --calibration "$out/models/tinystories_val.txt" \
    --calibration-tokens 256 --kmeans-iters 1 --quiet ${config#*:} > /dev/null
  compile --model "$tmp/$name" -o "$out/bundles/$name"
  echo "${config#*:}" > "$out/models/$name.options"
done
du -sh "$out"
