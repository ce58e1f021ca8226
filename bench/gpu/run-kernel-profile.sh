#!/usr/bin/env bash
# GPU machine: Nsight Compute of the kernels prepare-kernel-profile.sh put
# in .device/bundles/kprof-N, each at its batch (--clock-control none: the
# clocks stay as the timed runs have them). Per kernel: the correctness
# check and a median time (vptq-gpu-check), the full section set of one
# launch after the warm-up (kprof-N.txt) and its per-instruction SASS with
# stall samples (kprof-N-sass.csv; report-sass.py sums them).
#   bash bench/gpu/run-kernel-profile.sh
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/run-common.sh"
log_to kernel-profile
ncu=$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -1)
[ -n "$ncu" ] || { echo "no ncu on this machine"; exit 1; }
"$ncu" --version | tail -1
cp "$d/kprof.txt" "$out/"
status=0
while read -r n batch spec; do
  echo "==> kprof-$n: batch $batch, $spec"
  bundle="$d/bundles/kprof-$n"
  "$d/bin/vptq-gpu-check" --bundle "$bundle" --batches "$batch" --reps 30 \
    --json "$out/kprof-$n.json" | grep -E "^k[0-9]| runs" || status=1
  # The correctness launch and 5 warm-ups come first.
  "$ncu" --clock-control none --set full --import-source no -k regex:vptq_matmul \
    --launch-skip 6 --launch-count 1 -f -o "$out/kprof-$n" \
    "$d/bin/vptq-gpu-check" --bundle "$bundle" --batches "$batch" --reps 1 > /dev/null || status=1
  "$ncu" -i "$out/kprof-$n.ncu-rep" --print-details all > "$out/kprof-$n.txt" 2>&1 || status=1
  "$ncu" -i "$out/kprof-$n.ncu-rep" --page source --print-source sass --csv \
    > "$out/kprof-$n-sass.csv" 2> /dev/null || status=1
  grep -E "Duration|Elapsed Cycles|L1/TEX Cache Throughput|Compute \(SM\) Throughput|Issue Slots Busy|Achieved Occupancy|Registers Per Thread|Bank Conflicts|Eligible Warps|No Eligible" \
    "$out/kprof-$n.txt" | head -20
done < "$d/kprof.txt"
exit $status
