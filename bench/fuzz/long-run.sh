#!/usr/bin/env bash
# The long fuzzing run of issue 34's target (10 M inputs per target, outside
# CI): runs each fuzzer of build-san (scripts/sanitize.sh builds it) for
# RUNS inputs (default 10000000) or SECONDS_LIMIT seconds at most (default: no
# limit), JOBS processes at a time (default 1), on a work corpus seeded from
# fuzz/corpus, and appends one line per target to the markdown table
# OUT (default bench/results/fuzz-long-run.md): inputs run, seconds, rate,
# corpus size before and after, result.
#
#   bench/fuzz/long-run.sh [TARGET...]     (default: every target)
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${VPTQ_SAN_BUILD_DIR:-$root/build-san}"
runs="${RUNS:-10000000}"
limit="${SECONDS_LIMIT:-0}"
jobs="${JOBS:-1}"
out="${OUT:-$root/bench/results/fuzz-long-run.md}"
source "$root/scripts/fuzz-env.sh"

targets=("$@")
if ((${#targets[@]} == 0)); then
  for c in "$root"/fuzz/corpus/*/; do targets+=("$(basename "$c")"); done
fi
if [[ ! -f "$out" ]]; then
  {
    echo "| date (UTC) | target | inputs | seconds | inputs/s | corpus files (seeds -> after) | result |"
    echo "|---|---|---|---|---|---|---|"
  } > "$out"
fi
for name in "${targets[@]}"; do
  fuzzer="$build/fuzz/vptq-fuzz-$name"
  work="$build/fuzz/long/$name"
  mkdir -p "$work"
  seeds=$(ls "$root/fuzz/corpus/$name" | wc -l)
  per=$(((runs + jobs - 1) / jobs))
  start=$(date +%s)
  args=("${fuzz_options[@]}" -runs="$per"
        -artifact_prefix="$build/fuzz/long/$name-")
  ((limit > 0)) && args+=(-max_total_time="$limit")
  log="$build/fuzz/long/$name.log"
  mapfile -t seedDirs < <(fuzz_seed_dirs "$root" "$name")
  if ((jobs > 1)); then
    (cd "$build/fuzz/long" && "$fuzzer" "${args[@]}" -jobs="$jobs" -workers="$jobs" \
       "$work" "${seedDirs[@]}") > "$log" 2>&1
    # Each job logs to fuzz-N.log in the working folder.
    status=$?
    cat "$build/fuzz/long"/fuzz-*.log >> "$log" 2>/dev/null
    rm -f "$build/fuzz/long"/fuzz-*.log
  else
    (cd "$build/fuzz/long" && "$fuzzer" "${args[@]}" "$work" "${seedDirs[@]}") > "$log" 2>&1
    status=$?
  fi
  seconds=$(($(date +%s) - start))
  inputs=$(fuzz_inputs "$log")
  after=$(ls "$work" | wc -l)
  result="no crash, hang or sanitizer report"
  ((status == 0)) || result="FAILED (exit $status): $(grep -m1 -E 'ERROR|runtime error' "$log")"
  rate=$((inputs / (seconds > 0 ? seconds : 1)))
  echo "| $(date -u +%Y-%m-%dT%H:%M) | $name | $inputs | $seconds | $rate | $seeds -> $after | $result |" | tee -a "$out"
done
