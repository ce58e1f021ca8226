#!/usr/bin/env bash
# GPU machine: checks every kernel of the bundles .device/bundles/PREFIX-*
# against the reference on fresh random inputs (every output element) at
# BATCHES (comma-separated; the BATCHES variable overrides) and times them;
# log in $OUT/PREFIX.log, results in $OUT/<bundle>.json.
#   bash bench/gpu/run-bundle-checks.sh PREFIX BATCHES
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/run-common.sh"
prefix="$1"
batches="${BATCHES:-$2}"
log_to "$prefix"
status=0
for bundle in "$d"/bundles/"$prefix"-*; do
  name="$(basename "$bundle")"
  echo "==> $name"
  "$d/bin/vptq-gpu-check" --bundle "$bundle" --batches "$batches" --reps "${REPS:-30}" \
    --json "$out/$name.json" > "/tmp/$name.log" 2>&1 || status=1
  grep -v " OK " "/tmp/$name.log" | head -40
  grep -c " OK " "/tmp/$name.log"
done
exit $status
