//===- VPTQOps.h - vptq operations ------------------------------*- C++ -*-===//

#ifndef VPTQ_DIALECT_VPTQ_IR_VPTQOPS_H
#define VPTQ_DIALECT_VPTQ_IR_VPTQOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "vptq/Dialect/VPTQ/IR/VPTQAttrs.h"
#include "vptq/Dialect/VPTQ/IR/VPTQDialect.h"

namespace mlir::vptq {

/// The weight operands of a quantized-weight op, by role; absent optional
/// operands are null. Used to build and rewrite such ops uniformly.
struct QuantizedWeightValues {
  Value indices, resIndices, centroids, resCentroids, outlierIndices,
      outlierCentroids, perm, weightScale, weightBias;
};

class QuantizedWeightOpInterface;

/// The most centroids a codebook placed in registers may have: one entry per
/// lane of a 32-wide warp.
inline constexpr int64_t kMaxRegisterCentroids = 32;

/// Copies of each entry a replicated codebook keeps (placement
/// `replicated`), side by side in one 128-byte row of shared memory.
inline constexpr int64_t kCodebookCopies = 8;
/// The entry size (vector_len x element bytes) a replicated codebook needs:
/// kCodebookCopies of them fill the 32 four-byte banks once.
inline constexpr int64_t kReplicatedEntryBytes = 16;
/// Bytes of one codebook entry: `vectorLen` elements of `modelType`.
inline int64_t getCodebookEntryBytes(int64_t vectorLen, Type modelType) {
  return vectorLen * int64_t(modelType.getIntOrFloatBitWidth() / 8);
}

namespace detail {
/// Checks every weight operand of `op` against its configuration.
LogicalResult verifyQuantizedWeightOp(Operation *op);
} // namespace detail

} // namespace mlir::vptq

#include "vptq/Dialect/VPTQ/IR/VPTQInterfaces.h.inc"

namespace mlir::vptq {
/// The weight operands of `op` by role.
QuantizedWeightValues getWeightValues(QuantizedWeightOpInterface op);
} // namespace mlir::vptq

#define GET_OP_CLASSES
#include "vptq/Dialect/VPTQ/IR/VPTQOps.h.inc"

#endif // VPTQ_DIALECT_VPTQ_IR_VPTQOPS_H
