#!/usr/bin/env bash
# Session 20, call 4: vptq-tune candidates of the three 7B v8-k4096 perm +
# norm layers (decode kind, now with one-block-per-processor persistent
# variants), each checked on every output element and timed at batches 1
# and 3, for vptq-tune select.
RES=$OUT; export OUT=/tmp/res; mkdir -p $OUT; cd "$(dirname "$0")"
d=.device
date -u > $OUT/date.txt
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu --format=csv > $OUT/gpu.csv
timeout 500 $d/bin/vptq-gpu-check --bundle $d/bundles/tune-7b --batches 1,3 --reps 100 --json $OUT/tune.json > $OUT/tune.log 2>&1
echo "rc=$?" >> $OUT/tune.log
cd /tmp && tar czf $RES/res.tgz res
