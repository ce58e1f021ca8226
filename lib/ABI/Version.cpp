//===- Version.cpp - Version of the compiler and its kernel ABI -----------===//

#include "vptq/ABI/Version.h"

// Generated at build time by cmake/VPTQVersionInfo.cmake.
#include "VersionInfo.inc"

const char *vptq::getVersion() {
  return "vptq-mlir " VPTQ_VERSION_STRING " (LLVM " VPTQ_LLVM_VERSION ")";
}
