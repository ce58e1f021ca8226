#!/usr/bin/env bash
# Session 21, call 6: the tree after the review mends (shared append step
# of rotary_append / rotary_attention, mapWeightAccess): vptq-runtime-check
# of six model bundles (every layer, the gated down kernels, the
# rotary_attention kernels), run-models.sh, memcheck and 7B decode.
RES=$OUT; export OUT=/tmp/res6; mkdir -p $OUT; cd "$(dirname "$0")"
d=.device
date -u > $OUT/date.txt
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu --format=csv > $OUT/gpu.csv
for b in 7b-v8-k4096 7b-v8-k65536 synth-packed synth-packed-f32 synth-unpacked stories260K-f16; do
  timeout 120 $d/bin/vptq-runtime-check --bundle $d/bundles/$b --batches 1,16 --reps 3 --json $OUT/runtime-$b.json > $OUT/runtime-$b.log 2>&1
  echo "$b rc=$?" >> $OUT/runtime-rc.txt
done
(OUT=$OUT/models timeout 200 bash bench/gpu/run-models.sh > /dev/null 2>&1; echo "run-models rc=$?") > $OUT/models-rc.txt
grep -E "==>|OK|MISMATCH|identical|DIFFERENT|all checks|FAILED" $OUT/models/run.log > $OUT/models-summary.txt
$d/bin/vptq-checkpoint synth -o /tmp/m4096 $(cat $d/e2e/7b-v8-k4096.options) --layers 32 > /dev/null
timeout 150 compute-sanitizer --tool memcheck $d/bin/vptq-model-check --model /tmp/m4096 --bundle $d/bundles/7b-v8-k4096 \
  --prompt-tokens 4 --decode-tokens 2 > $OUT/memcheck.log 2>&1
echo "memcheck rc=$?" >> $OUT/memcheck.log
for rep in 1 2; do
  timeout 100 $d/bin/vptq-model-check --model /tmp/m4096 --bundle $d/bundles/7b-v8-k4096 --prompt-tokens 128 --decode-tokens 128 \
    --json $OUT/e2e-$rep.json 2>&1 | grep -v "^model" >> $OUT/e2e.log
done
date -u >> $OUT/date.txt
cd /tmp && tar czf $RES/res.tgz res6
