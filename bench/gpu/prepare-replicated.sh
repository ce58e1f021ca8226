#!/usr/bin/env bash
# Development machine: the replicated-codebook comparison run-replicated.sh
# runs, into .device/bundles/rep-{on,off}: every layer of speed-layers.txt
# with a 256-entry codebook (v8-k256-k256, v8-k65536-k256) as the runtime
# compiles it (plain, batch_hint=16, 64 and 256 kernels, heuristic
# decisions), once with the default placement (replicated on NVIDIA chips)
# and once with every shared codebook forced to one copy (shared).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/prepare-common.sh"
rm -rf "$out"/bundles/rep-*
prepare_device
list=$(mktemp)
grep -v '^#' "$root/bench/gpu/speed-layers.txt" | grep 'num_res_centroids=256' > "$list"
variants() {
  layers "$list" "$1" | sed '/^--layer$/!s/.*/&\n--layer\n&,batch_hint=16\n--layer\n&,batch_hint=64\n--layer\n&,batch_hint=256/'
}
mapfile -t on < <(variants "")
"$build/bin/vptq-compile" --force "${on[@]}" --arch "$arch" --activation f16 --quiet -o "$out/bundles/rep-on"
mapfile -t off < <(variants ",res_centroids_placement=shared")
"$build/bin/vptq-compile" --force "${off[@]}" --arch "$arch" --activation f16 --quiet -o "$out/bundles/rep-off-res"
# v8-k256-k256 also with the main codebook as one copy.
grep 'num_centroids=256,' "$list" > "$list.main"
mv "$list.main" "$list"
mapfile -t off < <(variants ",centroids_placement=shared,res_centroids_placement=shared")
"$build/bin/vptq-compile" --force "${off[@]}" --arch "$arch" --activation f16 --quiet -o "$out/bundles/rep-off-both"
rm -f "$list"
python3 - "$out"/bundles/rep-*/manifest.json <<'PY'
import collections, json, sys
for path in sys.argv[1:]:
    kernels = json.load(open(path))["kernels"]
    print(path, dict(collections.Counter(
        (k["placement"]["centroids"], k["placement"]["res_centroids"]) for k in kernels)))
PY
