#!/usr/bin/env bash
# Sets everything up (scripts/setup.sh), then runs the lit regression tests
# and the ctest unit/numeric tests, and ends with both summaries.
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

echo
echo "==================== Summary ===================="
echo "lit:"
grep -E "^(Total Discovered Tests|  (Passed|Failed|Unsupported|Expectedly Failed|Unresolved|Timed Out)):?" \
  "$lit_log" | sed 's/^/  /'
echo "ctest:"
grep -E "tests passed|tests failed out of" "$ctest_log" | sed 's/^/  /'
if ((lit_status != 0 || ctest_status != 0)); then
  echo "RESULT: FAILED (lit exit $lit_status, ctest exit $ctest_status)"
  exit 1
fi
echo "RESULT: all tests passed"
