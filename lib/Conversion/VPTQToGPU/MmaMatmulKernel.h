//===- MmaMatmulKernel.h - vptq.matmul on tensor cores -----------*- C++ -*-===//
//
// Internal to convert-vptq-to-gpu.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_LIB_CONVERSION_VPTQTOGPU_MMAMATMULKERNEL_H
#define VPTQ_LIB_CONVERSION_VPTQTOGPU_MMAMATMULKERNEL_H

#include "GPUKernelHelpers.h"

namespace mlir::vptq {
struct TargetInfo;
} // namespace mlir::vptq

namespace mlir::vptq::gpu_kernels {

/// Emits the body of the tensor-core vptq.matmul kernel (`tiling` has
/// mma = true; see MmaMatmulKernel.cpp) into `kernel`: with `warpgroups`
/// shared-weight tilings multiply with wgmma where mmaUsesWarpgroups.
/// Returns its dynamic shared memory bytes, or fails with an error on `op`
/// when `target`, the element types, the tiling or the placement do not
/// allow it.
FailureOr<int64_t> emitMmaMatmulKernel(MatmulOp op, KernelFunc &kernel,
                                       TilingAttr tiling,
                                       PlacementAttr placement,
                                       const TargetInfo &target,
                                       bool warpgroups);

} // namespace mlir::vptq::gpu_kernels

#endif // VPTQ_LIB_CONVERSION_VPTQTOGPU_MMAMATMULKERNEL_H
