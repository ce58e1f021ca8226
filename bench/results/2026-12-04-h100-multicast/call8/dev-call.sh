#!/usr/bin/env bash
# Session 20, call 8: Nsight Compute of the 7B v8-k4096 decode step with
# the committed database (bench/gpu/run-profile.sh: every kernel's
# duration, serialized, then the sections of the step's linear kernels).
RES=$OUT; export OUT=/tmp/res; mkdir -p $OUT; cd "$(dirname "$0")"
date -u > $OUT/date.txt
OUT=$OUT/profile timeout 540 bash bench/gpu/run-profile.sh 7b-v8-k4096 > $OUT/profile-run.log 2>&1
echo "rc=$?" >> $OUT/profile-run.log
gzip -f $OUT/profile/*.csv 2>/dev/null
cd /tmp && tar czf $RES/res.tgz res
