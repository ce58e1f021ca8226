//===- Toolchain.cpp - External tools GPU serialization needs -------------===//

#include "vptq/Conversion/Passes.h"
#include "vptq/Conversion/Toolchain.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <cstdlib>

namespace mlir::vptq {
#define GEN_PASS_DEF_CHECKTOOLCHAIN
#include "vptq/Conversion/Passes.h.inc"
} // namespace mlir::vptq

using namespace mlir;

std::string mlir::vptq::getDefaultCudaToolkit() {
  for (const char *var : {"CUDA_ROOT", "CUDA_HOME", "CUDA_PATH"})
    if (const char *value = std::getenv(var); value && *value)
      return value;
  return VPTQ_DEFAULT_CUDA_TOOLKIT;
}

std::string mlir::vptq::getDefaultRocmPrefix() {
  if (const char *value = std::getenv("ROCM_PATH"); value && *value)
    return value;
  // The prefix laid out in the build tree, else the installed one.
  if (llvm::sys::fs::exists(VPTQ_DEFAULT_ROCM_PREFIX "/amdgcn/bitcode"))
    return VPTQ_DEFAULT_ROCM_PREFIX;
  return VPTQ_INSTALLED_ROCM_PREFIX;
}

std::string mlir::vptq::checkToolchain(llvm::StringRef target,
                                       llvm::StringRef format,
                                       llvm::StringRef toolkit) {
  if (format != "bin" && format != "isa" && format != "fatbin")
    return "unknown format '" + format.str() + "'; expected bin, isa or fatbin";
  if (target == "rocdl" && format == "fatbin")
    return "format=fatbin is NVIDIA-only; use bin (HSACO) or isa for AMD";
  if (format == "isa")
    return {};
  auto need = [&](llvm::StringRef relative, llvm::StringRef what,
                  llvm::StringRef hint) -> std::string {
    llvm::SmallString<256> path(toolkit);
    llvm::sys::path::append(path, relative);
    if (llvm::sys::fs::can_execute(path))
      return {};
    return (what + " not found: " + path.str() + " is missing or not " +
            "executable (" + hint + ")")
        .str();
  };
  if (target == "nvvm") {
    std::string hint = "install the CUDA toolkit, or pass toolkit=<path> / "
                       "set CUDA_ROOT";
    std::string msg = need("bin/ptxas", "ptxas", hint);
    if (msg.empty() && format == "fatbin")
      msg = need("bin/fatbinary", "fatbinary", hint);
    return msg;
  }
  if (target == "rocdl")
    return need("llvm/bin/ld.lld", "ld.lld",
                "install lld-22, or pass toolkit=<ROCm prefix> / set ROCM_PATH");
  return "unknown target '" + target.str() + "'; expected nvvm or rocdl";
}

namespace {

struct CheckToolchain
    : mlir::vptq::impl::CheckToolchainBase<CheckToolchain> {
  using Base::Base;

  void runOnOperation() override {
    std::string msg = mlir::vptq::checkToolchain(target, format, toolkit);
    if (msg.empty())
      return;
    emitError(getOperation()->getLoc(), "cannot produce GPU binaries: ") << msg;
    signalPassFailure();
  }
};

} // namespace
