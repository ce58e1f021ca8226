#!/usr/bin/env bash
# Session 19, call 4: the committed code (rotary_append, attention unroll 4,
# f16 rows in flight). Reference checks of the tiny models (and memcheck of
# one), then 7B decode and prefill, old / new (/ unroll 8 widened, call 1's
# kernel) alternating, and torch fp16.
RES=$OUT; export OUT=/tmp/res; mkdir -p $OUT; cd "$(dirname "$0")"
d=.device
date -u > $OUT/date.txt
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu --format=csv > $OUT/gpu.csv
(OUT=$OUT/models bash bench/gpu/run-models.sh > /dev/null 2>&1; echo "run-models rc=$?") > $OUT/models-rc.txt
grep -E "==>|OK|MISMATCH|identical|DIFFERENT|all checks|FAILED" $OUT/models/run.log > $OUT/models-summary.txt
compute-sanitizer --tool memcheck $d/bin/vptq-model-check --model $d/models/synth-packed \
  --bundle $d/bundles/synth-packed --reference $d/models/synth-packed.reference.json \
  --tolerance 1e-2 --decode-tokens 4 --prompt-tokens 8 > $OUT/memcheck.log 2>&1
echo "memcheck rc=$?" >> $OUT/memcheck.log
for k in 4096 65536; do
  $d/bin/vptq-checkpoint synth -o /tmp/m$k $(cat $d/e2e/7b-v8-k$k.options) --layers 32 > /dev/null
done
run() { # tag bindir bundle k prompt decode rep
  echo "== $1 k$4 p$5 d$6" >> $OUT/e2e.log
  $2/vptq-model-check --model /tmp/m$4 --bundle $3 --prompt-tokens $5 --decode-tokens $6 \
    --json $OUT/e2e-$1-k$4-p$5-$7.json 2>&1 | grep -v "^model" >> $OUT/e2e.log
}
for rep in 1 2; do
  for p in 128 1024; do
    run old $d/old/bin $d/old/bundles/7b-v8-k4096 4096 $p 128 $rep
    run new $d/bin $d/bundles/7b-v8-k4096 4096 $p 128 $rep
    run wide8 $d/bin $d/bundles/wide8-k4096 4096 $p 128 $rep
  done
  run old $d/old/bin $d/old/bundles/7b-v8-k65536 65536 128 128 $rep
  run new $d/bin $d/bundles/7b-v8-k65536 65536 128 128 $rep
done
for p in 16 64 512; do
  run old $d/old/bin $d/old/bundles/7b-v8-k4096 4096 $p 32 1
  run new $d/bin $d/bundles/7b-v8-k4096 4096 $p 32 1
done
for p in 128 1024; do
  PYTHONUNBUFFERED=1 timeout 200 python3 bench/gpu/torch_decode.py --prompt-tokens $p --decode-tokens 128 --json $OUT/torch-decode-p$p.json >> $OUT/torch.log 2>&1
done
cd /tmp && tar czf $RES/res.tgz res
