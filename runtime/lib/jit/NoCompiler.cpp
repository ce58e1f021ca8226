//===- NoCompiler.cpp - AOT-only runtimes have no compiler ----------------===//
//
// Part of VPTQ::runtime_aot, which does not link MLIR: kernels come from
// bundles and the cache only.
//
//===----------------------------------------------------------------------===//

#include "vptq/runtime/KernelCompiler.h"

std::shared_ptr<vptq::runtime::KernelCompiler>
vptq::runtime::createBuiltinCompiler() {
  return nullptr;
}
