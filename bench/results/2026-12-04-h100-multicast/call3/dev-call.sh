#!/usr/bin/env bash
# Session 20, call 3: combinations of the decode tilings that won in call 2
# (A: gate/up persistent 132 + q/k/v/o 4x8x4096; C: A + down 2x16; D:
# gate/up p132 + q/k/v/o 8x4x4096; G: gate/up 8x4x1024 p132 + q 4x8; H:
# gate/up p96 + q 4x8), alternating with the committed database, 7B
# v8-k4096 decode after 128 and 1024 tokens; the candidate kernels alone
# (vptq-gpu-check, batches 1 and 3, every output element checked).
RES=$OUT; export OUT=/tmp/res; mkdir -p $OUT; cd "$(dirname "$0")"
d=.device
date -u > $OUT/date.txt
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu --format=csv > $OUT/gpu.csv
for rep in 1 2; do
  timeout 100 $d/bin/vptq-gpu-check --bundle $d/bundles/iso-k4096 --batches 1,3 --reps 200 --json $OUT/iso-$rep.json > $OUT/iso-$rep.log 2>&1
done
$d/bin/vptq-checkpoint synth -o /tmp/m4096 $(cat $d/e2e/7b-v8-k4096.options) --layers 32 > /dev/null
run() { # tag prompt rep
  echo "== $1 p$2" >> $OUT/e2e.log
  timeout 100 $d/bin/vptq-model-check --model /tmp/m4096 --bundle $d/bundles/e2e-$1 --prompt-tokens $2 --decode-tokens 128 \
    --json $OUT/e2e-$1-p$2-$3.json 2>&1 | grep -v "^model" >> $OUT/e2e.log
}
for rep in 1 2 3; do
  for v in base A C D G H; do run $v 128 $rep; done
done
for rep in 1 2; do
  for v in base A C; do run $v 1024 $rep; done
done
cd /tmp && tar czf $RES/res.tgz res
