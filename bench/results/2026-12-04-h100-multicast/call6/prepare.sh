#!/usr/bin/env bash
# Session 20, call 6 bundles: the committed database (new), the same with
# matmul kernels without persistent blocks releasing their dependents after
# their main loop (VPTQ_MEASURE_EARLY_TRIGGER, a measurement-only switch),
# and gate/up as 16 x 2 x 1024 without persistent blocks (both ways).
set -euo pipefail
root=/work/main; build=$root/build; out=$root/.device
rm -rf $out/bundles/e2e-*
tmp=$(mktemp -d)
shape=(--hidden 4096 --intermediate 11008 --heads 32 --kv-heads 32 --vocab 32000 --vector-len 8 --res-centroids 0 --centroids 4096)
"$build/bin/vptq-checkpoint" synth -o $tmp/m "${shape[@]}" --layers 1 > /dev/null
db=$root/bench/tuning/h100.json
"$build/bin/vptq-compile" --model $tmp/m --arch sm_90a --tuning $db --quiet -o $out/bundles/e2e-new
VPTQ_MEASURE_EARLY_TRIGGER=1 "$build/bin/vptq-compile" --model $tmp/m --arch sm_90a --tuning $db --quiet -o $out/bundles/e2e-trig
"$build/bin/vptq-compile" --model $tmp/m --arch sm_90a --tuning /tmp/mc/db-g16x2.json --quiet -o $out/bundles/e2e-g16x2
VPTQ_MEASURE_EARLY_TRIGGER=1 "$build/bin/vptq-compile" --model $tmp/m --arch sm_90a --tuning /tmp/mc/db-g16x2.json --quiet -o $out/bundles/e2e-trigg16x2
rm -rf $tmp
cmp -s $out/bundles/e2e-new/manifest.json $out/bundles/7b-v8-k4096/manifest.json && echo "new = 7b bundle"
for b in trig g16x2 trigg16x2; do cmp -s $out/bundles/e2e-$b/manifest.json $out/bundles/e2e-new/manifest.json && echo "$b manifest same" || echo "$b manifest differs"; done
