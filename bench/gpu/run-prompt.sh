#!/usr/bin/env bash
# GPU machine: after prepare-models.sh (plus floor-probe in .device/bin):
# the whole-model checks of run-models.sh, which now run prompts (batches
# of 4 rows or more) through the prompt kernels (batch_hint 16), and the
# floor probe with eight indices per load.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/run-common.sh"
status=0
bash "$root/bench/gpu/run-models.sh" || status=1
"$d/bin/floor-probe" > "$out/floor.json" || status=1
cat "$out/floor.json"
exit $status
