#!/usr/bin/env bash
# GPU machine: the quantizer's kernels (see prepare-quantizer.sh). Checks
# vptq.nearest and vptq.gram against the CPU on every output and times them
# on real layer shapes; then quantizes stories260K with the heavy math on the
# GPU (--math kernels) and on the CPU threads (--math native), both with
# calibration on the GPU, and measures each result's perplexity on the GPU.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/run-common.sh"
log_to quantizer
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu --format=csv
nproc
status=0
export VPTQ_CACHE_DIR=/tmp/vptq-cache
echo "==> vptq-quantizer-check"
"$d/bin/vptq-quantizer-check" --bundle "$d/bundles/calibrate" --json "$out/quantizer-check.json" || status=1
m="$d/models"
text="$m/tinystories_val.txt"
for name in v4k256r16 v2k16; do
  for math in kernels native; do
    echo "==> stories260K $name, --math $math"
    start=$(date +%s%N)
    # shellcheck disable=SC2046
    "$d/bin/vptq-quantize-aot" --model "$m/stories260K" -o "/tmp/q-$name-$math" --device cuda \
      --math "$math" --bundle "$d/bundles/calibrate" --calibration "$text" --calibration-skip 1000 \
      $(cat "$m/$name.options") || status=1
    echo "wall $(( ($(date +%s%N) - start) / 1000000 )) ms"
    "$d/bin/vptq-run-aot" --model "/tmp/q-$name-$math" --bundle "$d/bundles/$name" --device cuda \
      --perplexity "$text" --paragraphs 300 --quiet || status=1
  done
done
echo "==> generation from the GPU-quantized v4k256r16 model"
"$d/bin/vptq-run-aot" --model /tmp/q-v4k256r16-kernels --bundle "$d/bundles/v4k256r16" --device cuda \
  --prompt "Once upon a time" --temperature 0 --max-new-tokens 40 || status=1
exit $status
