#!/usr/bin/env bash
# Session 20, call 7: where SIMT matmul kernels release their dependents
# (griddepcontrol.launch_dependents) in the 7B v8-k4096 decode graph:
# e2e-new at exit (committed), e2e-trig after the main loop of kernels
# without persistent blocks (VPTQ_MEASURE_EARLY_TRIGGER=loop), e2e-start
# once the block has staged its inputs, all SIMT matmul kernels (=start).
RES=$OUT; export OUT=/tmp/res; mkdir -p $OUT; cd "$(dirname "$0")"
d=.device
date -u > $OUT/date.txt
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu --format=csv > $OUT/gpu.csv
$d/bin/vptq-checkpoint synth -o /tmp/m4096 $(cat $d/e2e/7b-v8-k4096.options) --layers 32 > /dev/null
run() { # tag prompt rep
  echo "== $1 p$2" >> $OUT/e2e.log
  timeout 100 $d/bin/vptq-model-check --model /tmp/m4096 --bundle $d/bundles/e2e-$1 --prompt-tokens $2 --decode-tokens 128 \
    --json $OUT/e2e-$1-p$2-$3.json 2>&1 | grep -v "^model" >> $OUT/e2e.log
}
for rep in 1 2 3 4; do
  for v in new trig start; do run $v 128 $rep; done
done
for rep in 1 2; do
  for v in new trig start; do run $v 1024 $rep; done
done
for p in 16 64; do
  for v in new trig start; do run $v $p 1; done
done
cd /tmp && tar czf $RES/res.tgz res
