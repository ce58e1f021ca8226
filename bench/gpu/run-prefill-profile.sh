#!/usr/bin/env bash
# GPU machine: where the prefill of a Llama-2-7B-shaped model (see
# prepare-e2e.sh) spends its time, by Nsight Compute: every kernel of
# vptq-run-aot with a ~128-token prompt and three new tokens, without CUDA
# graphs (one duration metric each, --clock-control none).
# report-profile.py sums the CSV per kernel.
#   bash bench/gpu/run-prefill-profile.sh [model name]   (default 7b-v8-k65536)
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/run-common.sh"
name="${1:-7b-v8-k65536}"
ncu=$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -1)
[ -n "$ncu" ] || { echo "no ncu on this machine"; exit 1; }
m=/tmp/vptq-$name
rm -rf /tmp/vptq-7b-*
"$d/bin/vptq-checkpoint" synth --force -o "$m" $(cat "$d/e2e/$name.options") --layers 32 > /dev/null || exit 1
cp "$d"/models/stories260K-f32/tokenizer*.json "$m/" 2>/dev/null
prompt="$(head -c 450 "$d/models/tinystories_val.txt" | tr '\n' ' ')"
"$ncu" --clock-control none --metrics gpu__time_duration.sum --csv \
  --log-file "$out/ncu-prefill-$name.csv" \
  "$d/bin/vptq-run-aot" --model "$m" --bundle "$d/bundles/$name" --device cuda \
  --prompt "$prompt" --max-new-tokens 3 --temperature 0 --no-graph > "$out/prefill-run.log" 2>&1
status=$?
tail -3 "$out/prefill-run.log"
rm -rf /tmp/vptq-7b-*
exit $status
