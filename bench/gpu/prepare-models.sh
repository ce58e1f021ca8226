#!/usr/bin/env bash
# Development machine: builds what the model check on the GPU machine runs
# (no MLIR there): vptq-model-check, vptq-run-aot and vptq-checkpoint with
# the AOT-only runtime, the models and their numpy references, and
# sm_90a kernel bundles of every model (vptq-compile --model), into
# .device/ (carry it with the device run; see bench/README.md).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${VPTQ_BUILD_DIR:-$root/build}"
shared="${VPTQ_SHARED_DIR:-$root/../shared}"
arch="${1:-sm_90a}"
cmake --build "$build" --target vptq-compile vptq-convert vptq-checkpoint \
  vptq-model-check vptq-run-aot
out="$root/.device"
rm -rf "$out" && mkdir -p "$out/bin" "$out/lib" "$out/models" "$out/bundles"
cp "$build"/bin/{vptq-model-check,vptq-run-aot,vptq-checkpoint} "$out/bin/"
cp -P "$build"/lib/libvptq_runtime_aot.so* "$out/lib/"
reference=(env PYTHONPATH="$root/python" "$build/venv/bin/python3" -m vptq_reference)
stories="$shared/models/stories260K"
text="$shared/data/tinystories_val.txt"
cp "$text" "$out/models/"

# stories260K in f32 (exact conversion) and f16.
for dtype in f32 f16; do
  m="$out/models/stories260K-$dtype"
  "$build/bin/vptq-convert" --force --llama2c "$stories/stories260K.bin" \
    --tokenizer "$stories/tok512.bin" -o "$m" --dtype "$dtype" > /dev/null
done
"${reference[@]}" "$out/models/stories260K-f32" --out "$out/models/stories260K.reference.json" \
  --prompt "Once upon a time" --prompt "The little dog was sad" --greedy 48 \
  --perplexity "$text" --paragraphs 300

# Synthetic VPTQ checkpoints (as the unit tests make them).
common=(--hidden 128 --intermediate 344 --layers 2 --heads 4 --kv-heads 2 --vocab 512 --seed 7)
"$build/bin/vptq-checkpoint" synth --force -o "$out/models/synth-packed" "${common[@]}" \
  --vector-len 8 --centroids 1024 --res-centroids 64 --quantize-lm-head > /dev/null
"$build/bin/vptq-checkpoint" synth --force -o "$out/models/synth-unpacked" "${common[@]}" \
  --vector-len 4 --centroids 256 --res-centroids 0 --unpacked --outliers 8 --no-perm \
  --dtype bf16 > /dev/null
for m in synth-packed synth-unpacked; do
  cp "$out/models/stories260K-f32"/tokenizer*.json "$out/models/$m/"
  "${reference[@]}" "$out/models/$m" --out "$out/models/$m.reference.json" \
    --tokens 1,17,300,42,9,511,0,128,64,3
done

# A TinyLlama-shaped VPTQ model (v8, k65536 + 256 residual: ~3 bits) for
# timing: one layer here for its config; the GPU machine synthesizes all 22.
big=(--hidden 2048 --intermediate 5632 --heads 32 --kv-heads 4 --vocab 32000
     --vector-len 8 --centroids 65536 --res-centroids 256)
tmp="$(mktemp -d)"
"$build/bin/vptq-checkpoint" synth --force -o "$tmp/big" "${big[@]}" --layers 1 > /dev/null
echo "${big[*]}" > "$out/models/big.options"

compile() { "$build/bin/vptq-compile" --force --arch "$arch" --quiet "$@"; }
compile --model "$out/models/stories260K-f32" -o "$out/bundles/stories260K-f32"
compile --model "$out/models/stories260K-f16" -o "$out/bundles/stories260K-f16"
for m in synth-packed synth-unpacked; do
  compile --model "$out/models/$m" -o "$out/bundles/$m"
  compile --model "$out/models/$m" --activation f32 -o "$out/bundles/$m-f32"
done
compile --model "$tmp/big" -o "$out/bundles/big"
rm -rf "$tmp"
du -sh "$out"
