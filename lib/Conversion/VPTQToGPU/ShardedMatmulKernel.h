//===- ShardedMatmulKernel.h - vptq.matmul on a sharded codebook -*- C++ -*-===//
//
// Internal to convert-vptq-to-gpu.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_LIB_CONVERSION_VPTQTOGPU_SHARDEDMATMULKERNEL_H
#define VPTQ_LIB_CONVERSION_VPTQTOGPU_SHARDEDMATMULKERNEL_H

#include "GPUKernelHelpers.h"

namespace mlir::vptq::gpu_kernels {

/// Emits the body of the sharded vptq.matmul kernel (an op with
/// `shard_entries` / `shard_offsets`; see ShardedMatmulKernel.cpp) into
/// `kernel` and makes it a cluster of S blocks. With `gridDependency` the
/// kernel waits for its predecessor after copying its codebook slice.
/// Returns its dynamic shared memory bytes, or fails with an error on `op`
/// when `target` or the tiling do not allow it.
FailureOr<int64_t> emitShardedMatmulKernel(MatmulOp op, KernelFunc &kernel,
                                           TilingAttr tiling,
                                           const TargetInfo &target,
                                           bool gridDependency);

} // namespace mlir::vptq::gpu_kernels

#endif // VPTQ_LIB_CONVERSION_VPTQTOGPU_SHARDEDMATMULKERNEL_H
