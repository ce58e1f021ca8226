#!/usr/bin/env bash
# GPU machine: whole models through the AOT-only runtime (see
# prepare-models.sh): logits, greedy generation and perplexity against the
# numpy reference, then prefill/decode timings with and without CUDA graphs.
set -uo pipefail
# Everything printed also goes to $OUT/run.log; each model check writes
# $OUT/model-<name>.json.
source "$(dirname "${BASH_SOURCE[0]}")/run-common.sh"
log_to run
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu --format=csv > "$out/gpu.csv" 2>&1
cat "$out/gpu.csv"
status=0
check() {
  local name="$1"; shift
  echo "==> $name"
  "$d/bin/vptq-model-check" "$@" --json "$out/model-$name.json" 2>&1 || status=1
}
m="$d/models"; b="$d/bundles"
check stories260K-f32 --model "$m/stories260K-f32" --bundle "$b/stories260K-f32" \
  --reference "$m/stories260K.reference.json" --text "$m/tinystories_val.txt" --tolerance 1e-4
check stories260K-f16 --model "$m/stories260K-f16" --bundle "$b/stories260K-f16" \
  --reference "$m/stories260K.reference.json" --tolerance 2e-2
for s in synth-packed synth-unpacked; do
  check "$s-f32" --model "$m/$s" --bundle "$b/$s-f32" --f32 --reference "$m/$s.reference.json" --tolerance 1e-4
done
check synth-packed-f16 --model "$m/synth-packed" --bundle "$b/synth-packed" \
  --reference "$m/synth-packed.reference.json" --tolerance 1e-2
check synth-unpacked-bf16 --model "$m/synth-unpacked" --bundle "$b/synth-unpacked" \
  --reference "$m/synth-unpacked.reference.json" --tolerance 8e-2

echo "==> vptq-run-aot on the GPU"
"$d/bin/vptq-run-aot" --model "$m/stories260K-f32" --bundle "$b/stories260K-f32" --device cuda \
  --prompt "Once upon a time" --temperature 0 --max-new-tokens 60 2>&1 || status=1

echo "==> TinyLlama-shaped VPTQ model (22 layers, synthesized here)"
big=/tmp/vptq-big
rm -rf "$big"
start=$(date +%s)
"$d/bin/vptq-checkpoint" synth --force -o "$big" $(cat "$m/big.options") --layers 22 || status=1
cp "$m/stories260K-f32"/tokenizer*.json "$big/"
echo "synthesized in $(( $(date +%s) - start )) s"
check big --model "$big" --bundle "$b/big" --prompt-tokens 256 --decode-tokens 128
for flag in "" --no-graph; do
  "$d/bin/vptq-run-aot" --model "$big" --bundle "$b/big" --device cuda --prompt "Once" \
    --max-new-tokens 128 --seed 1 $flag 2>&1 > /dev/null || status=1
done
exit $status
