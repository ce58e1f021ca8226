#!/usr/bin/env bash
# Session 20, call 11: the final tree's 7B decode and torch fp16 in the same
# call, alternating (v8-k4096 after 128 and 1024 tokens, v8-k65536 after
# 128), for the ratio to torch.
RES=$OUT; export OUT=/tmp/res; mkdir -p $OUT; cd "$(dirname "$0")"
d=.device
date -u > $OUT/date.txt
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu --format=csv > $OUT/gpu.csv
for k in 4096 65536; do
  $d/bin/vptq-checkpoint synth -o /tmp/m$k $(cat $d/e2e/7b-v8-k$k.options) --layers 32 > /dev/null
done
run() { # k prompt rep
  echo "== k$1 p$2" >> $OUT/e2e.log
  timeout 100 $d/bin/vptq-model-check --model /tmp/m$1 --bundle $d/bundles/7b-v8-k$1 --prompt-tokens $2 --decode-tokens 128 \
    --json $OUT/e2e-k$1-p$2-$3.json 2>&1 | grep -v "^model" >> $OUT/e2e.log
}
torch() { # prompt rep
  PYTHONUNBUFFERED=1 timeout 200 python3 bench/gpu/torch_decode.py --prompt-tokens $1 --decode-tokens 128 --json $OUT/torch-p$1-$2.json >> $OUT/torch.log 2>&1
}
for rep in 1 2; do
  run 4096 128 $rep; torch 128 $rep; run 4096 128 $rep-b
done
run 4096 1024 1; torch 1024 1; run 4096 1024 2
run 65536 128 1
cd /tmp && tar czf $RES/res.tgz res
