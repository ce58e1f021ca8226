//===- MatmulForms.h - The decomposed form of a quantized matmul -*- C++ -*-===//
//
// What `vptq-decompose-matmul` builds and `vptq-fuse-dequant-matmul`
// recognizes, in one place so that the two stay inverse to each other.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_TRANSFORMS_MATMULFORMS_H
#define VPTQ_TRANSFORMS_MATMULFORMS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

namespace mlir::vptq {

/// Indexing maps of `out[m, n] += in[m, k] * weight[n, k]`:
/// [(m, n, k) -> (m, k), (m, n, k) -> (n, k), (m, n, k) -> (m, n)].
ArrayAttr getTransposedWeightMaps(MLIRContext *ctx);

/// Builds `init[b, n] = round(acc[b, n] (+ bias[n]))`: a linalg.generic
/// that adds an optional 1-D bias (extended to f32) to the f32 accumulator
/// and rounds to the element type of `init`.
Value buildBiasEpilogue(OpBuilder &b, Location loc, Value acc, Value bias,
                        Value init);

} // namespace mlir::vptq

#endif // VPTQ_TRANSFORMS_MATMULFORMS_H
