//===- Toolchain.h - External tools GPU serialization needs -----*- C++ -*-===//

#ifndef VPTQ_CONVERSION_TOOLCHAIN_H
#define VPTQ_CONVERSION_TOOLCHAIN_H

#include "llvm/ADT/StringRef.h"

#include <string>

namespace mlir::vptq {

/// The CUDA toolkit used when none is given: $CUDA_ROOT, $CUDA_HOME,
/// $CUDA_PATH, else the path configured at build time.
std::string getDefaultCudaToolkit();

/// The ROCm prefix used when none is given: $ROCM_PATH, else the prefix laid
/// out at build time over Debian's ld.lld and device libraries.
std::string getDefaultRocmPrefix();

/// Checks that the tools serializing to `format` ("bin", "isa", "fatbin")
/// for `target` ("nvvm", "rocdl") exist under `toolkit`. Returns an empty
/// string or a message naming the missing tool and how to provide it.
std::string checkToolchain(llvm::StringRef target, llvm::StringRef format,
                           llvm::StringRef toolkit);

} // namespace mlir::vptq

#endif // VPTQ_CONVERSION_TOOLCHAIN_H
