#!/usr/bin/env bash
# Session 20, call 1: codebooks multicast over thread-block clusters.
# Checks (every output element against the reference, fresh random inputs)
# of the f16/bf16 matrices + persistent edges with default placements
# (multicast where eligible), memcheck of one multicast kernel, kernel A/B
# of the three 7B v8-k4096 decode layers (shared vs multicast clusters of
# 2, 4, 8), and 7B decode with HEAD's bundle vs multicast DB variants.
RES=$OUT; export OUT=/tmp/res; mkdir -p $OUT; cd "$(dirname "$0")"
d=.device
date -u > $OUT/date.txt
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu --format=csv > $OUT/gpu.csv
for b in mc-f16 mc-bf16; do
  timeout 150 $d/bin/vptq-gpu-check --bundle $d/bundles/$b --batches 1,3,37 --reps 10 --json $OUT/$b.json > $OUT/$b.log 2>&1
  echo "$b rc=$? ok=$(grep -c ' OK ' $OUT/$b.log)" >> $OUT/checks.txt
  grep -v " OK " $OUT/$b.log | head -20 >> $OUT/checks.txt
done
timeout 120 compute-sanitizer --tool memcheck $d/bin/vptq-gpu-check --bundle $d/bundles/ab-mc4 --batches 1,3 --reps 1 > $OUT/memcheck.log 2>&1
echo "memcheck rc=$?" >> $OUT/memcheck.log
for rep in 1 2; do
  for b in ab-0shared ab-mc2 ab-mc4 ab-mc8; do
    timeout 60 $d/bin/vptq-gpu-check --bundle $d/bundles/$b --batches 1 --reps 200 --json $OUT/$b-$rep.json > $OUT/$b-$rep.log 2>&1
  done
done
$d/bin/vptq-checkpoint synth -o /tmp/m4096 $(cat $d/e2e/7b-v8-k4096.options) --layers 32 > /dev/null
run() { # tag bundle prompt rep
  echo "== $1 p$3" >> $OUT/e2e.log
  timeout 100 $d/bin/vptq-model-check --model /tmp/m4096 --bundle $2 --prompt-tokens $3 --decode-tokens 128 \
    --json $OUT/e2e-$1-p$3-$4.json 2>&1 | grep -v "^model" >> $OUT/e2e.log
}
for rep in 1 2; do
  run head $d/bundles/7b-v8-k4096 128 $rep
  for n in 2 4 8; do run mc$n $d/bundles/e2e-mc$n 128 $rep; done
done
run head $d/bundles/7b-v8-k4096 1024 1
run mc4 $d/bundles/e2e-mc4 1024 1
cd /tmp && tar czf $RES/res.tgz res
