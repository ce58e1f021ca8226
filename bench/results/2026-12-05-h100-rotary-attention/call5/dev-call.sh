#!/usr/bin/env bash
# Session 21, call 5: Nsight Compute of the final tree's (1483e0c, gated
# down projections) 7B v8-k4096 decode step (run-profile.sh: every
# kernel's duration, then the linear kernels' sections), and 7B decode
# alternating with torch fp16 for the ratio.
RES=$OUT; export OUT=/tmp/res; mkdir -p $OUT; cd "$(dirname "$0")"
d=.device
date -u > $OUT/date.txt
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu --format=csv > $OUT/gpu.csv
$d/bin/vptq-checkpoint synth -o /tmp/m4096 $(cat $d/e2e/7b-v8-k4096.options) --layers 32 > /dev/null
run() { # rep
  echo "== new" >> $OUT/e2e.log
  timeout 100 $d/bin/vptq-model-check --model /tmp/m4096 --bundle $d/bundles/7b-v8-k4096 --prompt-tokens 128 --decode-tokens 128 \
    --json $OUT/e2e-new-$1.json 2>&1 | grep -v "^model" >> $OUT/e2e.log
}
torch() { # rep
  PYTHONUNBUFFERED=1 timeout 200 python3 bench/gpu/torch_decode.py --prompt-tokens 128 --decode-tokens 128 --json $OUT/torch-p128-$1.json >> $OUT/torch.log 2>&1
}
for rep in 1 2 3; do run $rep-a; torch $rep; run $rep-b; done
date -u >> $OUT/date.txt
(OUT=$OUT/profile timeout 300 bash bench/gpu/run-profile.sh 7b-v8-k4096 > $OUT/profile-run.log 2>&1; echo "profile rc=$?" >> $OUT/profile-run.log)
gzip $OUT/profile/*.csv 2>/dev/null
date -u >> $OUT/date.txt
cd /tmp && tar czf $RES/res.tgz res
