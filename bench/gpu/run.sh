#!/usr/bin/env bash
# GPU machine: checks every prebuilt kernel against the reference on fresh
# random inputs, times it, times torch fp16 F.linear on the same shapes, and
# writes everything to $OUT (see bench/README.md for the device call).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/run-common.sh"
batches="${BATCHES:-1,16,256}"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu --format=csv > "$out/gpu.csv" 2>&1
cat "$out/gpu.csv"
status=0
checks=()
for bundle in "$d"/bundles/*; do
  name="$(basename "$bundle")"
  "$d/bin/vptq-gpu-check" --bundle "$bundle" --batches "$batches" \
    --json "$out/check-$name.json" 2>&1 | tee "$out/check-$name.log" || status=1
  checks+=("$out/check-$name.json")
done
PYTHONUNBUFFERED=1 python3 "$root/bench/gpu/torch_linear.py" \
  --manifests "$d"/bundles/*/manifest.json --batches "$batches" \
  --json "$out/torch.json" 2>&1 | tee "$out/torch.log" || status=1
python3 "$root/bench/gpu/report.py" --checks "${checks[@]}" --torch "$out/torch.json" \
  > "$out/report.md" || status=1
tail -n +1 "$out/report.md" | head -5
exit $status
