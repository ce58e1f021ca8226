#!/usr/bin/env bash
# Session 20, call 7 bundles (call 6 as prepare6.sh): the committed database (new), the same with
# matmul kernels without persistent blocks releasing their dependents after
# their main loop (VPTQ_MEASURE_EARLY_TRIGGER, a measurement-only switch),
# and all SIMT matmul kernels releasing them once their block has staged
# its inputs (=start).
set -euo pipefail
root=/work/main; build=$root/build; out=$root/.device
rm -rf $out/bundles/e2e-*
tmp=$(mktemp -d)
shape=(--hidden 4096 --intermediate 11008 --heads 32 --kv-heads 32 --vocab 32000 --vector-len 8 --res-centroids 0 --centroids 4096)
"$build/bin/vptq-checkpoint" synth -o $tmp/m "${shape[@]}" --layers 1 > /dev/null
db=$root/bench/tuning/h100.json
"$build/bin/vptq-compile" --model $tmp/m --arch sm_90a --tuning $db --quiet -o $out/bundles/e2e-new
VPTQ_MEASURE_EARLY_TRIGGER=loop "$build/bin/vptq-compile" --model $tmp/m --arch sm_90a --tuning $db --quiet -o $out/bundles/e2e-trig
VPTQ_MEASURE_EARLY_TRIGGER=start "$build/bin/vptq-compile" --model $tmp/m --arch sm_90a --tuning $db --quiet -o $out/bundles/e2e-start
rm -rf $tmp
cmp -s $out/bundles/e2e-new/manifest.json $out/bundles/7b-v8-k4096/manifest.json && echo "new = 7b bundle"
for b in trig start; do cmp -s $out/bundles/e2e-$b/manifest.json $out/bundles/e2e-new/manifest.json && echo "$b manifest same" || echo "$b manifest differs"; done
