#!/usr/bin/env bash
# The main job on the CPU: sets everything up (scripts/setup.sh), converts
# the real stories260K model shipped in ../shared (llama2.c format) to a
# Hugging Face folder, generates a story from it with vptq-run, then
# quantizes it with VPTQ (vptq-quantize) and generates from the quantized
# checkpoint.
#   ./scripts/demo.sh ["prompt"]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${VPTQ_BUILD_DIR:-$root/build}"
shared="${VPTQ_SHARED_DIR:-$root/../shared}"
"$root/scripts/setup.sh"

model="$build/models/stories260K"
if [[ ! -f "$model/config.json" ]]; then
  echo "==> Converting stories260K (llama2.c) to $model"
  "$build/bin/vptq-convert" --llama2c "$shared/models/stories260K/stories260K.bin" \
    --tokenizer "$shared/models/stories260K/tok512.bin" -o "$model"
fi
prompt="${1:-Once upon a time}"
echo "==> vptq-run --model $model --prompt \"$prompt\""
"$build/bin/vptq-run" --model "$model" --prompt "$prompt" --max-new-tokens 200 \
  --temperature 0.8 --seed 42

# The same model quantized with VPTQ (2 bits of indices + 1 bit of residual
# per weight), calibrated on text the evaluation does not use.
quantized="$build/models/stories260K-vptq"
echo "==> vptq-quantize --model $model -o $quantized (v4, k256 + residual k16)"
"$build/bin/vptq-quantize" --force --model "$model" -o "$quantized" \
  --calibration "$shared/data/tinystories_val.txt" --calibration-skip 1000 \
  --vector-len 4 --centroids 256 --res-centroids 16
echo "==> vptq-run --model $quantized --prompt \"$prompt\""
"$build/bin/vptq-run" --model "$quantized" --prompt "$prompt" --max-new-tokens 200 \
  --temperature 0.8 --seed 42
