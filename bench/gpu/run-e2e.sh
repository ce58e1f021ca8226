#!/usr/bin/env bash
# GPU machine: end-to-end batch-1 decode of Llama-2-7B-shaped models (see
# prepare-e2e.sh), in one run:
#  1. the floor probe (HBM bandwidth and gather rates, for the per-layer
#     floors);
#  2. for v8-k65536 and v8-k4096: synthesize the 32-layer checkpoint
#     (random codebooks and indices in the VPTQ format), time prefill and
#     decode with vptq-model-check (CUDA graph and plain launches), and
#     generate with vptq-run-aot;
#  3. torch fp16 on the same shapes (torch_decode.py, CUDA graph).
# Everything goes to $OUT; bench/gpu/report-e2e.py makes the table.
#   bash bench/gpu/run-e2e.sh [prompt tokens] [decode tokens]
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/run-common.sh"
prompt="${1:-128}"
decode="${2:-128}"
log_to e2e
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu --format=csv
status=0
echo "==> floor probe"
[ -s "$out/floor.json" ] || "$d/bin/floor-probe" > "$out/floor.json" || status=1
tokenizer=$(ls "$d"/models/stories260K-f32/tokenizer*.json 2>/dev/null)
for name in 7b-v8-k65536 7b-v8-k4096; do
  m=/tmp/vptq-$name
  rm -rf /tmp/vptq-7b-*
  echo "==> $name: synthesize 32 layers"
  start=$(date +%s)
  "$d/bin/vptq-checkpoint" synth --force -o "$m" $(cat "$d/e2e/$name.options") --layers 32 || status=1
  echo "synthesized in $(( $(date +%s) - start )) s ($(du -sh "$m" | cut -f1))"
  [ -n "$tokenizer" ] && cp $tokenizer "$m/"
  "$d/bin/vptq-model-check" --model "$m" --bundle "$d/bundles/$name" \
    --prompt-tokens "$prompt" --decode-tokens "$decode" --json "$out/e2e-$name.json" || status=1
  "$d/bin/vptq-run-aot" --model "$m" --bundle "$d/bundles/$name" --device cuda \
    --prompt "Once upon a time" --max-new-tokens "$decode" --seed 1 > /dev/null || status=1
done
rm -rf /tmp/vptq-7b-*
echo "==> torch fp16"
PYTHONUNBUFFERED=1 python3 "$root/bench/gpu/torch_decode.py" --prompt-tokens "$prompt" \
  --decode-tokens "$decode" --json "$out/torch-decode.json" || status=1
exit $status
