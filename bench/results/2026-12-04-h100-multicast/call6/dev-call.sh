#!/usr/bin/env bash
# Session 20, call 6: decode-kernel release point and gate/up tiling in
# the decode graph. e2e-new: the committed database; e2e-trig: the same
# bundle compiled with VPTQ_MEASURE_EARLY_TRIGGER (matmul kernels without
# persistent blocks run griddepcontrol.launch_dependents after their main
# loop instead of at exit); e2e-g16x2 / e2e-trigg16x2: gate/up as
# 16 x 2 x 1024 without persistent blocks. 7B v8-k4096, alternating.
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
  for v in new trig g16x2 trigg16x2; do run $v 128 $rep; done
done
for rep in 1 2; do
  for v in new trig; do run $v 1024 $rep; done
done
for p in 16 64; do
  for v in new trig; do run $v $p 1; done
done
cd /tmp && tar czf $RES/res.tgz res
