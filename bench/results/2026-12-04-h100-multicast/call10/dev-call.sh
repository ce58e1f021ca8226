#!/usr/bin/env bash
# Session 20, call 10: RMSNorm kernels keeping a lane's steps in registers
# between their passes (weights loaded before the reduction). Tiny-model
# and "big" reference checks (the big model's 2048-wide rows take the new
# path, 1 step per lane), memcheck of the big model, then 7B v8-k4096
# decode (4096-wide rows: 2 steps per lane; GPU logits against the CPU
# runtime) with the new bundle and HEAD's (7b-head), alternating.
RES=$OUT; export OUT=/tmp/res; mkdir -p $OUT; cd "$(dirname "$0")"
d=.device
date -u > $OUT/date.txt
(OUT=$OUT/models bash bench/gpu/run-models.sh > /dev/null 2>&1; echo "run-models rc=$?") > $OUT/models-rc.txt
grep -E "==>|OK|MISMATCH|identical|DIFFERENT|all checks|FAILED" $OUT/models/run.log > $OUT/models-summary.txt
$d/bin/vptq-checkpoint synth -o /tmp/m4096 $(cat $d/e2e/7b-v8-k4096.options) --layers 32 > /dev/null
timeout 200 compute-sanitizer --tool memcheck $d/bin/vptq-model-check --model /tmp/m4096 --bundle $d/bundles/7b-v8-k4096 \
  --prompt-tokens 4 --decode-tokens 2 > $OUT/memcheck.log 2>&1
echo "memcheck rc=$?" >> $OUT/memcheck.log
run() { # tag prompt rep
  echo "== $1 p$2" >> $OUT/e2e.log
  timeout 100 $d/bin/vptq-model-check --model /tmp/m4096 --bundle $d/bundles/$1 --prompt-tokens $2 --decode-tokens 128 \
    --json $OUT/e2e-$1-p$2-$3.json 2>&1 | grep -v "^model" >> $OUT/e2e.log
}
for rep in 1 2 3 4; do
  for v in 7b-head 7b-v8-k4096; do run $v 128 $rep; done
done
for rep in 1 2; do
  for v in 7b-head 7b-v8-k4096; do run $v 1024 $rep; done
done
cd /tmp && tar czf $RES/res.tgz res
