#!/usr/bin/env bash
# GPU machine: the speed harness (see prepare-speed.sh), in one run:
#  1. the measured floor: HBM read bandwidth and random codebook-row gather
#     rates (floor-probe);
#  2. every layer of speed-layers.txt with the heuristic kernels: checked
#     against the reference on fresh random inputs (every output element)
#     and timed at batch 1, 4, 16, 64, 256 (vptq-gpu-check), with the kernel
#     the runtime picks for each batch (prompt kernels from batch 4,
#     long-prompt kernels on shared weights from batch 128);
#  3. torch fp16 F.linear on the same shapes and batches, and a large fp16
#     matmul for the compute floor;
#  4. the autotuner's candidates, checked and timed at batch 1 and 16.
# Everything goes to $OUT; bench/gpu/report-speed.py makes the tables and
# the plot, vptq-tune select the tuning database.
#   bash bench/gpu/run-speed.sh [all|harness|tune]   (harness: 1-3, tune: 4)
# SPEED_BATCHES (default 1,4,16,64,256) limits the harness's batches,
# TUNE_BATCHES (default 1,16; as given to prepare-speed.sh) the tuner's.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/run-common.sh"
part="${1:-all}"
log_to "speed-$part"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu --format=csv
status=0
if [ "$part" != tune ]; then
echo "==> floor probe (${SECONDS} s)"
"$d/bin/floor-probe" > "$out/floor.json" || status=1
cat "$out/floor.json"
echo "==> our kernels (heuristic decisions) (${SECONDS} s)"
batches="${SPEED_BATCHES:-1,4,16,64,256}"
"$d/bin/vptq-gpu-check" --bundle "$d/bundles/speed" --batches "$batches" --reps 30 --runtime-choice \
  --json "$out/speed.json" > "$out/speed-check.log" 2>&1 || status=1
grep -v " OK " "$out/speed-check.log" | head -60
echo "==> torch fp16 (${SECONDS} s)"
PYTHONUNBUFFERED=1 python3 "$root/bench/gpu/torch_linear.py" --manifests "$d/bundles/speed/manifest.json" \
  --batches "$batches" --json "$out/torch.json" || status=1
fi
if [ "$part" != harness ]; then
echo "==> autotuner candidates (${SECONDS} s)"
"$d/bin/vptq-gpu-check" --bundle "$d/bundles/tune" --batches "${TUNE_BATCHES:-1,16}" --reps 30 \
  --json "$out/tune.json" > "$out/tune-check.log" 2>&1 || status=1
grep -v " OK " "$out/tune-check.log" | head -60
fi
echo "==> done (${SECONDS} s)"
exit $status
