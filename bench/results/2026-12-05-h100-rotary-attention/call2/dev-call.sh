#!/usr/bin/env bash
# Session 21, call 2: the speed harness at 559bec3 (all five batches, 48
# layers, torch and the floor probe in one run), then 7B v8-k4096 decode
# with the decode step's projections on graph branches (committed) and a
# measurement-only build that queues them one after another on one stream
# (VPTQ_MEASURE_SERIAL, not committed), alternating, with torch fp16 in
# the same call.
RES=$OUT; export OUT=/tmp/res; mkdir -p $OUT; cd "$(dirname "$0")"
d=.device
date -u > $OUT/date.txt
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu --format=csv > $OUT/gpu.csv
(OUT=$OUT/speed SPEED_BATCHES=1,4,16,64,256 timeout 330 bash bench/gpu/run-speed.sh harness > /dev/null 2>&1; echo "harness rc=$?") > $OUT/harness-rc.txt
date -u >> $OUT/date.txt
$d/bin/vptq-checkpoint synth -o /tmp/m4096 $(cat $d/e2e/7b-v8-k4096.options) --layers 32 > /dev/null
run() { # tag rep
  local bin=$d/bin env=
  if [ $1 = serial ]; then bin=$d/serial/bin; env=VPTQ_MEASURE_SERIAL=1; fi
  echo "== $1" >> $OUT/e2e.log
  env $env timeout 100 $bin/vptq-model-check --model /tmp/m4096 --bundle $d/bundles/7b-v8-k4096 --prompt-tokens 128 --decode-tokens 128 \
    --json $OUT/e2e-$1-$2.json 2>&1 | grep -v "^model" >> $OUT/e2e.log
}
torch() { # rep
  PYTHONUNBUFFERED=1 timeout 200 python3 bench/gpu/torch_decode.py --prompt-tokens 128 --decode-tokens 128 --json $OUT/torch-p128-$1.json >> $OUT/torch.log 2>&1
}
run new 1; run serial 1; torch 1
run new 2; run serial 2; run new 3; torch 2
run serial 3; run new 4
date -u >> $OUT/date.txt
cd /tmp && tar czf $RES/res.tgz res
