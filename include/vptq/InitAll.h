//===- InitAll.h - Register what vptq tools need ----------------*- C++ -*-===//

#ifndef VPTQ_INITALL_H
#define VPTQ_INITALL_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace vptq {

/// Registers the vptq dialect, the upstream dialects the project's pipelines
/// use (func, arith, math, scf, cf, affine, index, memref, tensor, linalg,
/// vector, gpu, nvvm, nvgpu, rocdl, amdgpu, llvm, bufferization), their
/// extensions and interface models, the NVVM/ROCDL target attributes and the
/// translations to LLVM IR that binary serialization needs.
void registerAllDialects(mlir::DialectRegistry &registry);

/// Registers the upstream passes and the vptq passes and pipelines with the
/// global pass registry (for command-line tools).
void registerAllPasses();

} // namespace vptq

#endif // VPTQ_INITALL_H
