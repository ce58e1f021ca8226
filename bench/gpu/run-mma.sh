#!/usr/bin/env bash
# GPU machine: checks every tensor-core kernel of prepare-mma.sh against the
# reference on fresh random inputs (every output element) at batches that
# fill, straddle and overrun the batch tiles, and times them.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
d="$root/.device"
out="${OUT:-/tmp/vptq-out}"
mkdir -p "$out"
exec > >(tee "$out/mma.log") 2>&1
status=0
for bundle in "$d"/bundles/mma-*; do
  name="$(basename "$bundle")"
  echo "==> $name"
  "$d/bin/vptq-gpu-check" --bundle "$bundle" --batches "${BATCHES:-1,4,16,37,64,256}" --reps 10 \
    --json "$out/$name.json" > "/tmp/$name.log" 2>&1 || status=1
  grep -v " OK " "/tmp/$name.log" | head -40
  grep -c " OK " "/tmp/$name.log"
done
exit $status
