#!/usr/bin/env bash
# Development machine: builds what the speed harness (run-speed.sh) runs on
# the GPU machine into .device/: vptq-gpu-check, the floor probe (nvcc),
# a bundle of every layer of speed-layers.txt with the heuristic decisions
# (plain and prompt kernels),
# and the autotuner's candidates (vptq-tune candidates) for the layers of
# tune-layers.txt (TUNE_LAYERS names another list; TUNE_ONLY keeps the
# candidates that match a grep pattern).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/prepare-common.sh"
nvcc="${NVCC:-/usr/local/cuda/bin/nvcc}"
# Adds to .device (after prepare-models.sh, say): replaces only its own parts.
rm -rf "$out/bundles/speed" "$out/bundles/tune"
prepare_device vptq-tune
"$nvcc" -O3 -std=c++17 -arch="$arch" "$root/bench/gpu/floor-probe.cu" -o "$out/bin/floor-probe"
# Each layer four times, as the runtime runs it: the plain kernel
# (batch < 4), the prompt kernels (batch_hint=16 for batches 4-31,
# batch_hint=64 for 32-127) and the long-prompt kernel (batch_hint=256,
# batch >= 128).
mapfile -t speed < <(layers "$root/bench/gpu/speed-layers.txt" | sed '/^--layer$/!s/.*/&\n--layer\n&,batch_hint=16\n--layer\n&,batch_hint=64\n--layer\n&,batch_hint=256/')
"$build/bin/vptq-compile" --force "${speed[@]}" --arch "$arch" --activation f16 --quiet -o "$out/bundles/speed"
"$build/bin/vptq-tune" candidates --layers "${TUNE_LAYERS:-$root/bench/gpu/tune-layers.txt}" --arch "$arch" \
  --batches "${TUNE_BATCHES:-1,16}" -o "$out/candidates.txt"
# TUNE_ONLY (a grep pattern, e.g. mma=1) keeps only the matching candidates.
[ -z "${TUNE_ONLY:-}" ] || { grep -e "${TUNE_ONLY}" -e '^#' "$out/candidates.txt" > "$out/candidates.kept" || true;
  mv "$out/candidates.kept" "$out/candidates.txt"; }
# TUNE_WARPGROUPS=1 keeps only the shared-weight candidates whose warps form
# whole warpgroups over 64-row tiles (wgmma on sm_90a), batch tiles >= 64.
[ -z "${TUNE_WARPGROUPS:-}" ] || python3 - "$out/candidates.txt" <<'PY'
import sys
path = sys.argv[1]
kept = []
for line in open(path):
    if line.startswith('#') or 'shared_weights=1' not in line:
        continue
    d = dict(kv.split('=', 1) for kv in line.strip().split(','))
    rows = int(d['block_rows']) * int(d['vector_len'])
    if rows % 64 == 0 and int(d['warps_per_row']) in (4, 8) and int(d['batch_tile']) >= 64:
        kept.append(line)
open(path, 'w').writelines(kept)
PY
mapfile -t tune < <(layers "$out/candidates.txt")
"$build/bin/vptq-compile" --force "${tune[@]}" --arch "$arch" --activation f16 --quiet -o "$out/bundles/tune"
du -sh "$out"
