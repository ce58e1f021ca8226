# Sourced by the prepare-*.sh scripts that add bundles to .device (not run
# on its own): sets root, build, arch (the script's first argument, default
# sm_90a) and out (.device), and defines
#   prepare_device TARGET...  build vptq-compile, vptq-gpu-check and TARGETs,
#                             and copy vptq-gpu-check into .device/bin;
#   layers FILE [SUFFIX]      the non-comment lines of FILE with SUFFIX
#                             appended, each after a --layer line (for
#                             mapfile and vptq-compile).
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${VPTQ_BUILD_DIR:-$root/build}"
arch="${1:-sm_90a}"
out="$root/.device"
prepare_device() {
  cmake --build "$build" --target vptq-compile vptq-gpu-check "$@" > /dev/null
  mkdir -p "$out/bin" "$out/bundles"
  cp "$build/bin/vptq-gpu-check" "$out/bin/"
}
layers() {
  grep -v '^#' "$1" | grep -v '^$' | sed "s/\$/${2:-}/" | sed 's/^/--layer\n/'
}
