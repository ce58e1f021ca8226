#!/usr/bin/env bash
# Installs what vptq-mlir needs from Debian's packages (only what is missing),
# then configures and builds it into ./build. Safe to run again: every step
# is idempotent. Used by scripts/demo.sh, scripts/test.sh and .ci/run.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${VPTQ_BUILD_DIR:-$root/build}"

packages=(
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools lld-22 clang-22
  nlohmann-json3-dev rocm-device-libs ninja-build cmake g++ libgtest-dev
  libomp-22-dev libsentencepiece-dev libclang-rt-22-dev
  python3 python3-venv
)

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null; then sudo_cmd=(sudo); fi
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$p")
done
if ((${#missing[@]})); then
  echo "==> Installing missing packages: ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q \
    --no-install-recommends "${missing[@]}"
fi

# Python packages for the independent references the tests compare with
# (numpy forward pass, Hugging Face tokenizers), in a virtual environment
# of the build: Debian's Python refuses system-wide pip installs.
venv="$build/venv"
python_packages=(numpy tokenizers sentencepiece)
mkdir -p "$build"
if [[ ! -x "$venv/bin/python3" ]]; then
  echo "==> Creating $venv"
  /usr/bin/python3 -m venv "$venv"
fi
if ! "$venv/bin/python3" -c "import numpy, tokenizers, sentencepiece" 2>/dev/null; then
  echo "==> Installing Python packages: ${python_packages[*]}"
  "$venv/bin/python3" -m pip install -q --disable-pip-version-check "${python_packages[@]}"
fi

if [[ ! -f "$build/build.ninja" ]] ||
   ! grep -q "^Python3_EXECUTABLE:[A-Z]*=$venv/bin/python3$" "$build/CMakeCache.txt"; then
  echo "==> Configuring $build"
  cmake -G Ninja -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE=Release \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DLLVM_USE_LINKER=lld-22 \
    -DPython3_EXECUTABLE="$venv/bin/python3"
fi

echo "==> Building (this machine has $(nproc) cores)"
cmake --build "$build" -j "$(nproc)"
