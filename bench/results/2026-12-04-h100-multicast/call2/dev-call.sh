#!/usr/bin/env bash
# Session 20, call 2: multicast placement (clusters of 2, the committed
# constant) checked on every eligible line of the f16/bf16 matrices and
# persistent edges; 7B v8-k4096 decode with decode tilings of the
# concurrently running projections varied through tuning-database variants
# (gate/up: persistent 132, none, 8x4x1024; q/k/v/o: 2x8x2048, 8x2x1024,
# 4x8x4096), alternating with the database as committed.
RES=$OUT; export OUT=/tmp/res; mkdir -p $OUT; cd "$(dirname "$0")"
d=.device
date -u > $OUT/date.txt
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu --format=csv > $OUT/gpu.csv
for b in mc-f16 mc-bf16; do
  timeout 150 $d/bin/vptq-gpu-check --bundle $d/bundles/$b --batches 1,3,37 --reps 10 --json $OUT/$b.json > $OUT/$b.log 2>&1
  echo "$b rc=$? ok=$(grep -c ' OK ' $OUT/$b.log)" >> $OUT/checks.txt
  grep -v " OK " $OUT/$b.log | head -20 >> $OUT/checks.txt
done
$d/bin/vptq-checkpoint synth -o /tmp/m4096 $(cat $d/e2e/7b-v8-k4096.options) --layers 32 > /dev/null
run() { # tag prompt rep
  echo "== $1 p$2" >> $OUT/e2e.log
  timeout 100 $d/bin/vptq-model-check --model /tmp/m4096 --bundle $d/bundles/e2e-$1 --prompt-tokens $2 --decode-tokens 128 \
    --json $OUT/e2e-$1-p$2-$3.json 2>&1 | grep -v "^model" >> $OUT/e2e.log
}
for rep in 1 2 3; do
  for v in base g132 g0 g8x4 base q2x8 q8x2 q4x8; do run $v 128 $rep; done
done
cd /tmp && tar czf $RES/res.tgz res
