#!/usr/bin/env bash
# GPU machine: checks every kernel of prepare-persistent.sh against the
# reference on fresh random inputs (every output element) at batches 1, 3
# (batch tiles of 1) and 37, and times them.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
d="$root/.device"
out="${OUT:-/tmp/vptq-out}"
mkdir -p "$out"
exec > >(tee "$out/persistent.log") 2>&1
status=0
for bundle in "$d"/bundles/persistent-*; do
  name="$(basename "$bundle")"
  echo "==> $name"
  "$d/bin/vptq-gpu-check" --bundle "$bundle" --batches "${BATCHES:-1,3,37}" --reps 30 \
    --json "$out/$name.json" > "/tmp/$name.log" 2>&1 || status=1
  grep -v " OK " "/tmp/$name.log" | head -40
  grep -c " OK " "/tmp/$name.log"
done
exit $status
