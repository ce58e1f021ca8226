#!/usr/bin/env bash
set -euo pipefail
root=/work/main; build=$root/build; out=$root/.device
rm -rf $out/bundles/mc-* $out/bundles/ab-* $out/bundles/e2e-* $out/bundles/iso-*
tmp=$(mktemp -d)
shape=(--hidden 4096 --intermediate 11008 --heads 32 --kv-heads 32 --vocab 32000 --vector-len 8 --res-centroids 0 --centroids 4096)
"$build/bin/vptq-checkpoint" synth -o $tmp/m "${shape[@]}" --layers 1 > /dev/null
"$build/bin/vptq-compile" --model $tmp/m --arch sm_90a --tuning $root/bench/tuning/h100.json --quiet -o $out/bundles/e2e-base
for v in A C D G H; do
  "$build/bin/vptq-compile" --model $tmp/m --arch sm_90a --tuning /tmp/mc/db-$v.json --quiet -o $out/bundles/e2e-$v
done
base=packed=true,enable_perm=true,enable_norm=true,vector_len=8,num_centroids=4096
"$build/bin/vptq-compile" --arch sm_90a --quiet -o $out/bundles/iso-k4096 \
  --layer in_features=4096,out_features=4096,$base,block_rows=4,warps_per_row=4,k_chunk=2048,persistent_blocks=0 \
  --layer in_features=4096,out_features=4096,$base,block_rows=4,warps_per_row=8,k_chunk=4096,persistent_blocks=0 \
  --layer in_features=4096,out_features=4096,$base,block_rows=8,warps_per_row=4,k_chunk=4096,persistent_blocks=0 \
  --layer in_features=4096,out_features=11008,$base,block_rows=4,warps_per_row=8,k_chunk=4096,persistent_blocks=264 \
  --layer in_features=4096,out_features=11008,$base,block_rows=4,warps_per_row=8,k_chunk=4096,persistent_blocks=132 \
  --layer in_features=4096,out_features=11008,$base,block_rows=4,warps_per_row=8,k_chunk=4096,persistent_blocks=96 \
  --layer in_features=4096,out_features=11008,$base,block_rows=8,warps_per_row=4,k_chunk=1024,persistent_blocks=132 \
  --layer in_features=11008,out_features=4096,$base,block_rows=4,warps_per_row=8,k_chunk=11008,persistent_blocks=0 \
  --layer in_features=11008,out_features=4096,$base,block_rows=2,warps_per_row=16,k_chunk=11264,persistent_blocks=0
rm -rf $tmp
for b in $out/bundles/e2e-*; do echo "$(basename $b) $(cmp -s $b/manifest.json $out/bundles/e2e-base/manifest.json && echo same || echo differs)"; done
