#!/usr/bin/env bash
# Sets everything up (scripts/setup.sh), then runs the lit regression tests
# and the ctest unit/numeric tests, the installed embedding example, and the
# same suite under ASan + UBSan with every fuzzer for a bounded time
# (scripts/sanitize.sh; VPTQ_SKIP_SANITIZERS=1 leaves that out), and ends
# with the summaries.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${VPTQ_BUILD_DIR:-$root/build}"
"$root/scripts/setup.sh" || exit 1

jobs="$(nproc)"
echo "==> lit (test/)"
lit_log="$build/lit.log"
/usr/lib/llvm-22/bin/lit -sv -j "$jobs" "$build/test" 2>&1 | tee "$lit_log"
lit_status=${PIPESTATUS[0]}

echo "==> ctest (unittests/ and numeric tests)"
ctest_log="$build/ctest.log"
(cd "$build" && ctest -j "$jobs" --output-on-failure) 2>&1 | tee "$ctest_log"
ctest_status=${PIPESTATUS[0]}

echo "==> install tree and the embedding example (examples/embed)"
embed_log="$build/embed.log"
(
  set -e
  prefix="$build/install"
  rm -rf "$prefix" "$build/embed" "$build/generate"
  cmake --install "$build" --prefix "$prefix" > /dev/null
  cmake -G Ninja -S "$root/examples/embed" -B "$build/embed" \
    -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CXX_COMPILER=clang++-22 > /dev/null
  cmake --build "$build/embed"
  # The Debian package of the same tree, unpacked into a temporary root.
  rm -f "$build"/vptq-mlir_*.deb
  (cd "$build" && cpack -G DEB > /dev/null)
  deb="$(ls "$build"/vptq-mlir_*.deb)"
  rm -rf "$build/debroot"
  dpkg-deb -x "$deb" "$build/debroot"
  dpkg-deb -f "$deb" Package Version Depends
  # Every installed tool starts from the install tree or the package alone
  # (no build-tree paths, no LD_LIBRARY_PATH) and answers --help, and the
  # installed vptq-run generates (greedy, stories260K).
  for bin in "$prefix/bin" "$build/debroot/usr/bin"; do
    for tool in "$bin"/*; do
      env -i PATH=/usr/bin:/bin HOME="$build/embed" "$tool" --help > /dev/null ||
        { echo "installed $tool does not start"; exit 1; }
    done
    echo "installed tools start ($bin): $(ls "$bin" | tr '\n' ' ')"
    env -i PATH=/usr/bin:/bin HOME="$build/embed" \
      VPTQ_CACHE_DIR="$build/embed/cache" "$bin/vptq-run" \
      --model "$build/models/stories260K" --prompt "Once upon a time" \
      --max-new-tokens 16 --temperature 0 --quiet | tee "$build/embed/story.txt"
    echo
    grep -q "Once upon a time" "$build/embed/story.txt"
  done
  # The generation example (docs/Runtime.md) against the install tree: the
  # same greedy text as the installed vptq-run.
  cmake -G Ninja -S "$root/examples/generate" -B "$build/generate" \
    -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CXX_COMPILER=clang++-22 > /dev/null
  cmake --build "$build/generate"
  VPTQ_CACHE_DIR="$build/embed/cache" "$build/generate/vptq-generate" \
    "$build/models/stories260K" "Once upon a time" 16 | tee "$build/embed/generated.txt"
  diff <(tr -d '\n' < "$build/embed/story.txt") \
       <(tr -d '\n' < "$build/embed/generated.txt")
  "$prefix/bin/vptq-checkpoint" synth -o "$build/embed/model" --layers 1
  "$prefix/bin/vptq-checkpoint" info "$build/embed/model"
  VPTQ_CACHE_DIR="$build/embed/cache" "$build/embed/vptq-embed" "$build/embed/model"
  # Second run: the kernel now comes from the cache.
  VPTQ_CACHE_DIR="$build/embed/cache" "$build/embed/vptq-embed" "$build/embed/model" \
    | tee /dev/stderr | grep -q "kernel from cache"
) 2>&1 | tee "$embed_log"
embed_status=${PIPESTATUS[0]}

echo "==> the same suite under ASan + UBSan, and the fuzzers (scripts/sanitize.sh)"
san_log="$build/sanitize.log"
if [[ "${VPTQ_SKIP_SANITIZERS:-0}" == 1 ]]; then
  echo "  skipped (VPTQ_SKIP_SANITIZERS=1)" | tee "$san_log"
  san_status=0
else
  "$root/scripts/sanitize.sh" 2>&1 | tee "$san_log"
  san_status=${PIPESTATUS[0]}
fi

echo
echo "==================== Summary ===================="
echo "lit:"
grep -E "^(Total Discovered Tests|  (Passed|Failed|Unsupported|Expectedly Failed|Unresolved|Timed Out)):?" \
  "$lit_log" | sed 's/^/  /'
echo "ctest:"
grep -E "tests passed|tests failed out of" "$ctest_log" | sed 's/^/  /'
echo "embedding example (installed package, CPU):"
if ((embed_status == 0)); then echo "  passed"; else echo "  FAILED (see $embed_log)"; fi
echo "sanitizers (ASan + UBSan: lit, ctest) and fuzzers:"
grep -E "^  (Passed|Failed|Unresolved|Timed Out):|tests passed|tests failed out of|^fuzzers:|skipped" "$san_log" | sed 's/^ */  /'
if ((lit_status != 0 || ctest_status != 0 || embed_status != 0 || san_status != 0)); then
  echo "RESULT: FAILED (lit exit $lit_status, ctest exit $ctest_status, embed exit $embed_status, sanitizers exit $san_status)"
  exit 1
fi
echo "RESULT: all tests passed"
