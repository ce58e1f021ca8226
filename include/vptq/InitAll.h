//===- InitAll.h - Register what vptq tools need ----------------*- C++ -*-===//

#ifndef VPTQ_INITALL_H
#define VPTQ_INITALL_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace vptq {

/// Registers the vptq dialect and its interface models, the upstream dialects
/// (as mlir-opt does: func, arith, math, scf, memref, tensor, linalg, vector,
/// gpu, nvvm, nvgpu, rocdl, llvm, bufferization and the rest) with their
/// extensions and external interface models, the NVVM/ROCDL target
/// attributes and the translations to LLVM IR that binary serialization
/// needs.
void registerAllDialects(mlir::DialectRegistry &registry);

/// Registers the upstream passes and the vptq passes and pipelines with the
/// global pass registry (for command-line tools).
void registerAllPasses();

} // namespace vptq

#endif // VPTQ_INITALL_H
