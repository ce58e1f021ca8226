#!/usr/bin/env bash
# GPU machine: the replicated-codebook comparison (prepare-replicated.sh).
# Each bundle's kernels checked against the reference on fresh random inputs
# (every output element) and timed at the batches the runtime runs them
# (--runtime-choice), and torch fp16 F.linear on the same shapes; then
# report-replicated.py's table.
#   REP_BATCHES=1,4,16,64,256 bash bench/gpu/run-replicated.sh
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/run-common.sh"
log_to replicated
batches="${REP_BATCHES:-1,4,16,64,256}"
status=0
for b in rep-on rep-off-res rep-off-both; do
  echo "==> $b"
  "$d/bin/vptq-gpu-check" --bundle "$d/bundles/$b" --batches "$batches" --reps 30 --runtime-choice \
    --json "$out/$b.json" > "/tmp/$b.log" 2>&1 || status=1
  grep -v " OK " "/tmp/$b.log" | head -20
done
PYTHONUNBUFFERED=1 python3 "$root/bench/gpu/torch_linear.py" --manifests "$d/bundles/rep-on/manifest.json" \
  --batches "$batches" --json "$out/torch-rep.json" || status=1
python3 "$root/bench/gpu/report-replicated.py" "$out" > "$out/report-replicated.md" || status=1
cat "$out/report-replicated.md"
exit $status
