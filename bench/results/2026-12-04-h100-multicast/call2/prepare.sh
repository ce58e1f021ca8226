#!/usr/bin/env bash
set -euo pipefail
root=/work/main; build=$root/build; out=$root/.device
rm -rf $out/bundles/mc-* $out/bundles/ab-* $out/bundles/e2e-*
tmp=$(mktemp -d)
for dtype in f16 bf16; do
  P=()
  while read -r line; do
    [[ -z "$line" || "$line" == \#* ]] && continue
    l="$line,centroids_placement=multicast"
    if "$build/bin/vptq-compile" --layer "$l" --arch sm_90a --activation $dtype --quiet -o $tmp/probe > /dev/null 2>&1; then P+=(--layer "$l"); fi
  done < <(cat $root/bench/gpu/matrix-$dtype.txt $root/bench/gpu/matrix-persistent.txt)
  echo "$dtype: ${#P[@]} / 2 multicast layers"
  "$build/bin/vptq-compile" "${P[@]}" --arch sm_90a --activation $dtype --quiet -o $out/bundles/mc-$dtype
done
shape=(--hidden 4096 --intermediate 11008 --heads 32 --kv-heads 32 --vocab 32000 --vector-len 8 --res-centroids 0 --centroids 4096)
"$build/bin/vptq-checkpoint" synth -o $tmp/m "${shape[@]}" --layers 1 > /dev/null
"$build/bin/vptq-compile" --model $tmp/m --arch sm_90a --tuning $root/bench/tuning/h100.json --quiet -o $out/bundles/e2e-base
for v in g132 g0 g8x4 q2x8 q8x2 q4x8; do
  "$build/bin/vptq-compile" --model $tmp/m --arch sm_90a --tuning /tmp/mc/db-$v.json --quiet -o $out/bundles/e2e-$v
done
rm -rf $tmp
for b in $out/bundles/e2e-*; do echo "$(basename $b) $(cmp -s $b/manifest.json $out/bundles/e2e-base/manifest.json && echo same || echo differs)"; done
du -sh $out
