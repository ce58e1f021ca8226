#!/usr/bin/env bash
# The main job on the CPU: sets everything up (scripts/setup.sh), then runs
# the example quantized layer through vptq-opt (verify, canonicalize, print).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${VPTQ_BUILD_DIR:-$root/build}"
"$root/scripts/setup.sh"

echo "==> vptq-opt -canonicalize examples/llama-mlp.mlir"
"$build/bin/vptq-opt" -canonicalize "$root/examples/llama-mlp.mlir"
