//===- Version.h - Version of the compiler and its kernel ABI ---*- C++ -*-===//
//
// One version string names what generated a kernel: the project version,
// the source revision it was built from and the LLVM it links. Kernel
// caches and bundle manifests are keyed by it, so a runtime never loads a
// kernel another build generated.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_ABI_VERSION_H
#define VPTQ_ABI_VERSION_H

namespace vptq {

/// "vptq-mlir 0.1.0+g1d9bddc (LLVM 22.1.8)".
const char *getVersion();

} // namespace vptq

#endif // VPTQ_ABI_VERSION_H
