#!/usr/bin/env bash
# The sanitizer half of the test command (scripts/test.sh runs it after the
# plain suite): builds ./build-san with AddressSanitizer + UndefinedBehavior-
# Sanitizer and the libFuzzer targets of fuzz/, runs every lit and ctest test
# there, then each fuzzer over its committed corpus for VPTQ_FUZZ_SECONDS
# seconds (default 30). Any sanitizer report, crash or hang fails it.
#
#   ./scripts/sanitize.sh            build, tests, fuzzers
#   VPTQ_FUZZ_SECONDS=600 ./scripts/sanitize.sh fuzz   fuzzers only, longer
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
plain="${VPTQ_BUILD_DIR:-$root/build}"
build="${VPTQ_SAN_BUILD_DIR:-$root/build-san}"
seconds="${VPTQ_FUZZ_SECONDS:-30}"
# A fixed seed makes CI's runs repeatable (bench/fuzz/long-run.sh, for the
# long runs, lets libFuzzer pick one).
seed="${VPTQ_FUZZ_SEED:-1}"
what="${1:-all}"
# Packages, and the plain build's Python environment (the tests' references).
"$root/scripts/setup.sh" > /dev/null || exit 1

if [[ ! -f "$build/build.ninja" ]]; then
  echo "==> Configuring $build (ASan + UBSan, fuzzers)"
  # -O1: sanitizer builds compile faster and report the same.
  cmake -G Ninja -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE=Release \
    "-DCMAKE_CXX_FLAGS_RELEASE=-O1 -DNDEBUG" "-DCMAKE_C_FLAGS_RELEASE=-O1 -DNDEBUG" \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DLLVM_USE_LINKER=lld-22 \
    -DPython3_EXECUTABLE="$plain/venv/bin/python3" \
    -DVPTQ_SANITIZE=address,undefined -DVPTQ_ENABLE_FUZZERS=ON > /dev/null || exit 1
fi
echo "==> Building $build (this machine has $(nproc) cores)"
cmake --build "$build" -j "$(nproc)" || exit 1
cmake --build "$build" --target vptq-fuzzers -j "$(nproc)" || exit 1

source "$root/scripts/fuzz-env.sh"

status=0
if [[ "$what" == all ]]; then
  echo "==> lit under ASan + UBSan"
  /usr/lib/llvm-22/bin/lit -s -j "$(nproc)" "$build/test" 2>&1 | tee "$build/lit.log" | tail -n 20
  ((PIPESTATUS[0] == 0)) || status=1
  echo "==> ctest under ASan + UBSan"
  (cd "$build" && ctest -j "$(nproc)" --output-on-failure) 2>&1 | tee "$build/ctest.log" | tail -n 40
  ((PIPESTATUS[0] == 0)) || status=1
fi

echo "==> fuzzers, ${seconds} s each"
fuzz_passed=0 fuzz_failed=0
for corpus in "$root"/fuzz/corpus/*/; do
  name="$(basename "$corpus")"
  fuzzer="$build/fuzz/vptq-fuzz-$name"
  work="$build/fuzz/work/$name"
  mkdir -p "$work"
  log="$build/fuzz/$name.log"
  mapfile -t seeds < <(fuzz_seed_dirs "$root" "$name")
  # New inputs go to the work corpus; the committed seeds are only read.
  if (cd "$build/fuzz" && "$fuzzer" "${fuzz_options[@]}" \
        -max_total_time="$seconds" -seed="$seed" \
        -artifact_prefix="$build/fuzz/$name-" "$work" "${seeds[@]}") > "$log" 2>&1; then
    echo "  $name: $(fuzz_inputs "$log") inputs, no failure"
    ((fuzz_passed++))
  else
    echo "  $name: FAILED (see $log)"
    grep -E "ERROR|SUMMARY|runtime error|Test unit written" "$log" | head -n 5 | sed 's/^/    /'
    ((fuzz_failed++))
    status=1
  fi
done
echo "fuzzers: ${fuzz_passed} passed, ${fuzz_failed} failed"
exit $status
