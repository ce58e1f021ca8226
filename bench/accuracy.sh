#!/usr/bin/env bash
# Accuracy of VPTQ against round-to-nearest on the real stories260K model:
# quantizes it at about 2, 3 and 4 bits per weight with both and reports
# perplexity on the first 300 paragraphs of tinystories_val.txt (each with
# BOS, as the model card's 4.20). Calibration uses paragraphs 1000 and
# after, so it never sees the evaluation text. CPU only; a few minutes.
#   bench/accuracy.sh [out.md]     (default bench/results/accuracy.md)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${VPTQ_BUILD_DIR:-$root/build}"
shared="${VPTQ_SHARED_DIR:-$root/../shared}"
out="${1:-$root/bench/results/accuracy.md}"
cmake --build "$build" --target vptq-convert vptq-quantize vptq-run > /dev/null
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
text="$shared/data/tinystories_val.txt"
"$build/bin/vptq-convert" --force --llama2c "$shared/models/stories260K/stories260K.bin" \
  --tokenizer "$shared/models/stories260K/tok512.bin" -o "$work/fp" > /dev/null

ppl() { "$build/bin/vptq-run" --model "$1" --perplexity "$text" --paragraphs 300 --quiet |
        sed -E 's/perplexity ([0-9.]+).*/\1/'; }
rows=()
rows+=("| fp32 (reference) | - | 32 | 32 | $(ppl "$work/fp") |")
for bits in 2 3 4; do
  total=$("$build/bin/vptq-quantize" --force --model "$work/fp" -o "$work/rtn$bits" --method rtn \
    --bits "$bits" --quiet | tail -1 | sed -E 's/.*= ([0-9.]+).*/\1/')
  rows+=("| round-to-nearest, per row | $bits bits | $bits | $total | $(ppl "$work/rtn$bits") |")
done
vptq() {
  local label="$1" config="$2"; shift 2
  local summary
  summary=$("$build/bin/vptq-quantize" --force --model "$work/fp" -o "$work/vq" --calibration "$text" \
    --calibration-skip 1000 --quiet "$@" | tail -1)
  local index total
  index=$(echo "$summary" | sed -E 's/.*: ([0-9.]+) indices \+ ([0-9.]+) residual.*/\1 \2/' | awk '{printf "%.2f", $1 + $2}')
  total=$(echo "$summary" | sed -E 's/.*= ([0-9.]+).*/\1/')
  rows+=("| VPTQ${label:+ $label} | $config | $index | $total | $(ppl "$work/vq") |")
}
vptq "" "v2 k16" --vector-len 2 --centroids 16
vptq "" "v4 k256" --vector-len 4 --centroids 256
vptq "" "v2 k32" --vector-len 2 --centroids 32
vptq "" "v4 k256 + residual k16" --vector-len 4 --centroids 256 --res-centroids 16
vptq "" "v2 k128" --vector-len 2 --centroids 128
vptq "" "v2 k256" --vector-len 2 --centroids 256
vptq "" "v4 k256 + residual k256" --vector-len 4 --centroids 256 --res-centroids 256
vptq "without act order" "v2 k16" --vector-len 2 --centroids 16 --no-perm
vptq "with norm" "v4 k256" --vector-len 4 --centroids 256 --norm

{
  echo "# Accuracy: VPTQ vs round-to-nearest on stories260K"
  echo
  echo "Command: \`bench/accuracy.sh\` ($(date -u +%Y-%m-%d), $(git -C "$root" rev-parse --short HEAD),"
  echo "CPU). Perplexity of the real stories260K model (llama2.c, 260K parameters,"
  echo "5 layers of dim 64) on the first 300 paragraphs of"
  echo "\`../shared/data/tinystories_val.txt\` (29,256 tokens), after quantizing"
  echo "all 35 decoder linear layers (the tied embedding/lm_head stays fp32)."
  echo "VPTQ calibrates on 8,192 tokens from paragraph 1000 on."
  echo
  echo "\"Index bits\" are the bits per weight of the indices (main + residual);"
  echo "\"total bits\" add everything the layers store: codebooks (fp16), the"
  echo "column permutation, norms, and for RTN a 16-bit scale and zero point per"
  echo "row. These layers are tiny (4,096 to 11,008 weights), so a 256-entry"
  echo "codebook costs bits per weight that vanish on large models (0.0006 bits"
  echo "for a 4096 x 4096 layer)."
  echo
  echo "| method | configuration | index bits | total bits | perplexity |"
  echo "|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
} > "$out"

cat "$root/bench/accuracy-notes.md" >> "$out"
cat "$out"
