#!/usr/bin/env bash
# The main job on the CPU: sets everything up (scripts/setup.sh), converts
# the real stories260K model shipped in ../shared (llama2.c format) to a
# Hugging Face folder, and generates a story from it with vptq-run.
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
