#!/usr/bin/env bash
# Development machine: one bundle per kernel for run-kernel-profile.sh, into
# .device/bundles/kprof-N (N = the line's number): each non-comment line of
# FILE (default bench/gpu/profile-kernels.txt) is "BATCH LAYER-SPEC" (a
# vptq-compile --layer spec, tiling fields included).
#   bash bench/gpu/prepare-kernel-profile.sh [ARCH] [FILE]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/prepare-common.sh"
list="${2:-$root/bench/gpu/profile-kernels.txt}"
rm -rf "$out"/bundles/kprof-*
prepare_device
n=0
: > "$out/kprof.txt"
while read -r batch spec; do
  case "$batch" in ''|'#'*) continue ;; esac
  "$build/bin/vptq-compile" --force --layer "$spec" --arch "$arch" --activation f16 --quiet \
    -o "$out/bundles/kprof-$n"
  echo "$n $batch $spec" >> "$out/kprof.txt"
  n=$((n + 1))
done < "$list"
echo "$n kernels -> $out/bundles/kprof-*"
