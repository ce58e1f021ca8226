#!/usr/bin/env bash
# Session 20: multicast codebook bundles (not committed; see dev-call.sh).
set -euo pipefail
root=/work/main; build=$root/build; out=$root/.device
rm -rf $out/bundles/mc-* $out/bundles/ab-* $out/bundles/e2e-*
layers() { grep -v '^#' "$1" | grep -v '^$' | sed "s/\$/${2:-}/" | sed 's/^/--layer\n/'; }
mapfile -t lines < <(layers $root/bench/gpu/matrix-f16.txt; layers $root/bench/gpu/matrix-persistent.txt)
"$build/bin/vptq-compile" "${lines[@]}" --arch sm_90a --activation f16 --quiet -o $out/bundles/mc-f16
mapfile -t lines < <(layers $root/bench/gpu/matrix-bf16.txt; layers $root/bench/gpu/matrix-persistent.txt)
"$build/bin/vptq-compile" "${lines[@]}" --arch sm_90a --activation bf16 --quiet -o $out/bundles/mc-bf16
grep -c '"multicast"' $out/bundles/mc-*/manifest.json || true
base=packed=true,enable_perm=true,enable_norm=true,vector_len=8,num_centroids=4096
L=(--layer in_features=4096,out_features=4096,$base,block_rows=4,warps_per_row=4,k_chunk=2048,persistent_blocks=0
   --layer in_features=4096,out_features=11008,$base,block_rows=4,warps_per_row=8,k_chunk=4096,persistent_blocks=264
   --layer in_features=11008,out_features=4096,$base,block_rows=4,warps_per_row=8,k_chunk=11008,persistent_blocks=0)
P=(); for ((i=0;i<${#L[@]};i+=2)); do P+=(--layer "${L[i+1]},centroids_placement=shared"); done
"$build/bin/vptq-compile" "${P[@]}" --arch sm_90a --quiet -o $out/bundles/ab-0shared
for n in 2 4 8; do
  P=(); for ((i=0;i<${#L[@]};i+=2)); do P+=(--layer "${L[i+1]},centroids_placement=multicast"); done
  VPTQ_MEASURE_MULTICAST_CLUSTER=$n "$build/bin/vptq-compile" "${P[@]}" --arch sm_90a --quiet -o $out/bundles/ab-mc$n
done
shape=(--hidden 4096 --intermediate 11008 --heads 32 --kv-heads 32 --vocab 32000 --vector-len 8 --res-centroids 0 --centroids 4096)
tmp=$(mktemp -d)
"$build/bin/vptq-checkpoint" synth -o $tmp/m "${shape[@]}" --layers 1 > /dev/null
for n in 2 4 8; do
  VPTQ_MEASURE_MULTICAST_CLUSTER=$n "$build/bin/vptq-compile" --model $tmp/m --arch sm_90a --tuning /tmp/mc/h100-mc.json --quiet -o $out/bundles/e2e-mc$n
done
rm -rf $tmp
grep -c '"multicast"' $out/bundles/e2e-mc4/manifest.json
grep -o '"cluster_size": [0-9]*' $out/bundles/e2e-mc*/manifest.json | sort | uniq -c
du -sh $out
