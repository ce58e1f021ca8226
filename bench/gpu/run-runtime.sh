#!/usr/bin/env bash
# GPU machine: runs the runtime-bundles of .device (see prepare.sh) through
# VPTQ::runtime_aot on the CUDA device with vptq-runtime-check; writes logs
# and JSON to $OUT.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/run-common.sh"
batches="${BATCHES:-1,16,256}"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu --format=csv > "$out/gpu.csv" 2>&1
cat "$out/gpu.csv"
status=0
for bundle in "$d"/runtime-bundles/*; do
  name="$(basename "$bundle")"
  "$d/bin/vptq-runtime-check" --bundle "$bundle" --batches "$batches" \
    --json "$out/runtime-$name.json" 2>&1 | tee "$out/runtime-$name.log" || status=1
done
exit $status
