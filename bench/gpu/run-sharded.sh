#!/usr/bin/env bash
# GPU machine: the sharded-codebook decode kernels (prepare-sharded.sh)
# against the reference on fresh random inputs at batches 1-3 and timed
# beside the same layers unsharded, the tilings of sharded-sweep.txt (checked
# and timed at batch 1), then the hand-written probe (shard-probe.cu).
# Everything goes to $OUT.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/run-common.sh"
log_to sharded
status=0
"$d/bin/vptq-gpu-check" --bundle "$d/bundles/sharded" --batches 1,2,3 --reps 30 \
  --json "$out/sharded.json" || status=1
"$d/bin/vptq-gpu-check" --bundle "$d/bundles/sharded-sweep" --batches 1 --reps 30 \
  --json "$out/sharded-sweep.json" || status=1
"$d/bin/shard-probe" > "$out/shard-probe.json" || status=1
exit $status
