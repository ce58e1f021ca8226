#!/usr/bin/env bash
# Session 20, call 5: the committed tree. Tiny-model reference checks, then
# 7B decode with the re-tuned database (bundles/7b-v8-k*) against the
# database before this session (bundles/e2e-base, f743649's kernels) and
# 9619b42's runtime and bundles (old/), alternating; torch fp16.
RES=$OUT; export OUT=/tmp/res; mkdir -p $OUT; cd "$(dirname "$0")"
d=.device
date -u > $OUT/date.txt
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu --format=csv > $OUT/gpu.csv
(OUT=$OUT/models bash bench/gpu/run-models.sh > /dev/null 2>&1; echo "run-models rc=$?") > $OUT/models-rc.txt
grep -E "==>|OK|MISMATCH|identical|DIFFERENT|all checks|FAILED" $OUT/models/run.log > $OUT/models-summary.txt
for k in 4096 65536; do
  $d/bin/vptq-checkpoint synth -o /tmp/m$k $(cat $d/e2e/7b-v8-k$k.options) --layers 32 > /dev/null
done
run() { # tag bindir bundle k prompt rep
  echo "== $1 k$4 p$5" >> $OUT/e2e.log
  timeout 120 $2/vptq-model-check --model /tmp/m$4 --bundle $3 --prompt-tokens $5 --decode-tokens 128 \
    --json $OUT/e2e-$1-k$4-p$5-$6.json 2>&1 | grep -v "^model" >> $OUT/e2e.log
}
for rep in 1 2 3; do
  run base $d/bin $d/bundles/e2e-base 4096 128 $rep
  run new $d/bin $d/bundles/7b-v8-k4096 4096 128 $rep
done
run old $d/old/bin $d/old/bundles/7b-v8-k4096 4096 128 1
for rep in 1 2; do
  run base $d/bin $d/bundles/e2e-base 4096 1024 $rep
  run new $d/bin $d/bundles/7b-v8-k4096 4096 1024 $rep
done
run new $d/bin $d/bundles/7b-v8-k65536 65536 128 1
for p in 128 1024; do
  PYTHONUNBUFFERED=1 timeout 200 python3 bench/gpu/torch_decode.py --prompt-tokens $p --decode-tokens 128 --json $OUT/torch-decode-p$p.json >> $OUT/torch.log 2>&1
done
cd /tmp && tar czf $RES/res.tgz res
