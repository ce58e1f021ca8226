#!/usr/bin/env bash
# Session 20, call 9: vptq-tune candidates of every layer of
# bench/gpu/tune-layers.txt (decode kind, with the one-block-per-processor
# persistent variants; 274 kernels), each checked on every output element
# and timed at batches 1 and 3, for vptq-tune select.
RES=$OUT; export OUT=/tmp/res; mkdir -p $OUT; cd "$(dirname "$0")"
d=.device
date -u > $OUT/date.txt
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu --format=csv > $OUT/gpu.csv
timeout 560 $d/bin/vptq-gpu-check --bundle $d/bundles/tune-all --batches 1,3 --reps 100 --json $OUT/tune.json > $OUT/tune.log 2>&1
echo "rc=$?" >> $OUT/tune.log
gzip -f $OUT/tune.json
cd /tmp && tar czf $RES/res.tgz res
