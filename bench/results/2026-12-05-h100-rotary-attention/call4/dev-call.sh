#!/usr/bin/env bash
# Session 21, call 4: gated down projections (silu_mul inside the down
# projection's kernel at single-token steps). 7B decode with the new
# runtime and bundles (1483e0c) against call 1's (559bec3: old),
# alternating, torch fp16 in the same call; vptq-runtime-check of the
# bundles (every layer, the gated down kernels and rotary_attention);
# run-models.sh (token-by-token decode logits against the numpy
# reference); memcheck of 7B decode.
RES=$OUT; export OUT=/tmp/res; mkdir -p $OUT; cd "$(dirname "$0")"
d=.device
date -u > $OUT/date.txt
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu --format=csv > $OUT/gpu.csv
for k in 4096 65536; do
  $d/bin/vptq-checkpoint synth -o /tmp/m$k $(cat $d/e2e/7b-v8-k$k.options) --layers 32 > /dev/null
done
run() { # tag k prompt rep
  local bin=$d/bin bundle=$d/bundles/7b-v8-k$2
  if [ $1 = old ]; then bin=$d/old/bin; bundle=$d/old/7b-v8-k$2; fi
  echo "== $1 k$2 p$3" >> $OUT/e2e.log
  timeout 100 $bin/vptq-model-check --model /tmp/m$2 --bundle $bundle --prompt-tokens $3 --decode-tokens 128 \
    --json $OUT/e2e-$1-k$2-p$3-$4.json 2>&1 | grep -v "^model" >> $OUT/e2e.log
}
torch() { # prompt rep
  PYTHONUNBUFFERED=1 timeout 200 python3 bench/gpu/torch_decode.py --prompt-tokens $1 --decode-tokens 128 --json $OUT/torch-p$1-$2.json >> $OUT/torch.log 2>&1
}
for rep in 1 2 3; do
  run old 4096 128 $rep; run new 4096 128 $rep
done
torch 128 1
for rep in 4 5; do
  run new 4096 128 $rep; run old 4096 128 $rep
done
torch 128 2
run new 4096 1024 1; run old 4096 1024 1; torch 1024 1; run new 4096 1024 2
run new 65536 128 1; run old 65536 128 1
date -u >> $OUT/date.txt
for b in 7b-v8-k4096 7b-v8-k65536 synth-packed synth-packed-f32 synth-unpacked stories260K-f16; do
  timeout 120 $d/bin/vptq-runtime-check --bundle $d/bundles/$b --batches 1,16 --reps 3 --json $OUT/runtime-$b.json > $OUT/runtime-$b.log 2>&1
  echo "$b rc=$?" >> $OUT/runtime-rc.txt
done
(OUT=$OUT/models timeout 200 bash bench/gpu/run-models.sh > /dev/null 2>&1; echo "run-models rc=$?") > $OUT/models-rc.txt
grep -E "==>|OK|MISMATCH|identical|DIFFERENT|all checks|FAILED" $OUT/models/run.log > $OUT/models-summary.txt
timeout 150 compute-sanitizer --tool memcheck $d/bin/vptq-model-check --model /tmp/m4096 --bundle $d/bundles/7b-v8-k4096 \
  --prompt-tokens 4 --decode-tokens 2 > $OUT/memcheck.log 2>&1
echo "memcheck rc=$?" >> $OUT/memcheck.log
date -u >> $OUT/date.txt
cd /tmp && tar czf $RES/res.tgz res
