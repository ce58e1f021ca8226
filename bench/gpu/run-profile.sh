#!/usr/bin/env bash
# GPU machine: where a decode step of the Llama-2-7B-shaped models (see
# prepare-e2e.sh) spends its time, by Nsight Compute: every kernel of a few
# forward passes of vptq-run-aot without CUDA graphs, one duration metric
# each (--clock-control none: the clocks stay as the other runs had them),
# then the speed-of-light, occupancy and warp-state sections of the three
# linear-layer kernels of one decode step. report-profile.py sums the
# CSV per kernel. PROFILE_SOURCE=1 also samples the stall reasons of each
# SASS instruction of those linear kernels (--set full, the source page as
# CSV: ncu-NAME-sass.csv, with the report ncu-NAME-full.ncu-rep).
#   bash bench/gpu/run-profile.sh [model name ...]   (default 7b-v8-k4096 7b-v8-k65536)
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/run-common.sh"
log_to profile
[ $# -gt 0 ] || set -- 7b-v8-k4096 7b-v8-k65536
ncu=$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -1)
[ -n "$ncu" ] || { echo "no ncu on this machine"; exit 1; }
"$ncu" --version | tail -1
status=0
for name in "$@"; do
  m=/tmp/vptq-$name
  rm -rf /tmp/vptq-7b-*
  "$d/bin/vptq-checkpoint" synth --force -o "$m" $(cat "$d/e2e/$name.options") --layers 32 > /dev/null || status=1
  cp "$d"/models/stories260K-f32/tokenizer*.json "$m/" 2>/dev/null
  run=("$d/bin/vptq-run-aot" --model "$m" --bundle "$d/bundles/$name" --device cuda
       --prompt "Once upon a time" --max-new-tokens 3 --temperature 0 --no-graph --quiet)
  echo "==> $name: every kernel"
  "$ncu" --clock-control none --metrics gpu__time_duration.sum --csv --log-file "$out/ncu-$name.csv" \
    "${run[@]}" > /dev/null || status=1
  echo "==> $name: the linear kernels of one decode step"
  # Each forward pass starts with the embedding gather; skip the prompt's
  # pass and profile the first decode step's linear layers of layer 0.
  "$ncu" --clock-control none --section SpeedOfLight --section Occupancy \
    --section WarpStateStats --section MemoryWorkloadAnalysis \
    -k regex:vptq_matmul --launch-skip 224 --launch-count 7 \
    "${run[@]}" > "$out/ncu-$name-linear.txt" 2>&1 || status=1
  grep -E "vptq_matmul|Duration|Memory Throughput|DRAM Throughput|L1/TEX Hit|L2 Hit|Compute \(SM\)|Achieved Occupancy|Registers Per|Stall" \
    "$out/ncu-$name-linear.txt" | head -80
  if [ "${PROFILE_SOURCE:-0}" = 1 ]; then
    echo "==> $name: per-instruction stall samples of the linear kernels"
    "$ncu" --clock-control none --set full --import-source no -k regex:vptq_matmul \
      --launch-skip 224 --launch-count 7 -f -o "$out/ncu-$name-full" "${run[@]}" > /dev/null || status=1
    "$ncu" -i "$out/ncu-$name-full.ncu-rep" --page source --print-source sass --csv \
      > "$out/ncu-$name-sass.csv" 2> "$out/ncu-$name-sass.err" || status=1
    wc -l "$out/ncu-$name-sass.csv"
  fi
done
rm -rf /tmp/vptq-7b-*
exit $status
