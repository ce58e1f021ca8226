# Sourced by scripts/sanitize.sh and bench/fuzz/long-run.sh (not run on its
# own): how the sanitizer builds' programs and fuzzers run.
#
# Debian's LLVM/MLIR libraries are not instrumented: container annotations
# and manual poisoning in their headers would give false reports across the
# boundary. libFuzzer links libstdc++ before the shared ASan runtime, which
# is harmless (nothing it allocates before ASan starts is checked). Every
# report ends the process with an error.
export ASAN_OPTIONS="detect_container_overflow=0:allow_user_poisoning=0:detect_odr_violation=0:verify_asan_link_order=0:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"

# Options every fuzzer run takes.
fuzz_options=(-timeout=20 -rss_limit_mb=3072 -max_len=65536 -print_final_stats=1)

# fuzz_seed_dirs ROOT NAME: the seed folders of a target, its committed
# corpus and the inputs that once failed (fuzz/regressions), one a line.
fuzz_seed_dirs() {
  echo "$1/fuzz/corpus/$2"
  [[ -d "$1/fuzz/regressions/$2" ]] && echo "$1/fuzz/regressions/$2"
  return 0
}

# fuzz_inputs LOG: the inputs a run executed (summed over its jobs).
fuzz_inputs() {
  grep -oE "stat::number_of_executed_units: *[0-9]+" "$1" |
    grep -oE "[0-9]+$" | awk '{s += $1} END {print s + 0}'
}
