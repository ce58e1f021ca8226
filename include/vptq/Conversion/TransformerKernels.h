//===- TransformerKernels.h - Row kernels of the transformer ops -*- C++
//-*-===//
//
// The CPU and GPU lowerings of the row ops (the transformer ops
// vptq.rms_norm, vptq.rotary, vptq.attention, vptq.silu_mul, vptq.add,
// vptq.gather_rows and vptq.scatter_rows, and the quantizer ops
// vptq.nearest and vptq.gram) share their bodies: each op is written once as the work of one row (or one
// (row, head) pair for attention) split over `count` cooperating lanes.
// The CPU lowering runs rows in an scf.parallel with a single lane; the GPU
// lowering maps lanes to threads and reduces with shuffles.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_CONVERSION_TRANSFORMERKERNELS_H
#define VPTQ_CONVERSION_TRANSFORMERKERNELS_H

#include "vptq/Conversion/WeightAccess.h"

#include <functional>

namespace mlir::vptq {

/// How the lanes working on one row cooperate.
struct RowLanes {
  /// This lane (index) and the number of lanes (1 on the CPU).
  Value lane;
  int64_t count = 1;
  /// The sum (or maximum) of an f32 over the lanes, in every lane.
  std::function<Value(OpBuilder &, Location, Value, bool max)> reduce;
  /// The f32 value of lane `source` (an i32 below count), in every lane.
  std::function<Value(OpBuilder &, Location, Value, Value source)> broadcast;

  /// One lane: reductions and broadcasts are the value itself.
  static RowLanes single(const EmitContext &e);
};

/// Whether `op` is one of the row ops these kernels implement.
bool isRowOp(Operation *op);

/// The operand whose leading dimension is the op's row count: the tokens,
/// the points of vptq.nearest, the Hessian rows of vptq.gram.
Value getRowCountOperand(Operation *op);

/// Emits the work of row `row` of a row op (all but vptq.attention):
/// `operands` are the values standing for the op's operands (the op's own
/// on the CPU, kernel arguments on the GPU).
void emitTransformerRow(OpBuilder &b, Operation *op, ValueRange operands,
                        Value row, const RowLanes &lanes);

/// Emits vptq.attention for query row `row` and head `head` (index values).
void emitAttentionHead(OpBuilder &b, AttentionOp op, ValueRange operands,
                       Value row, Value head, const RowLanes &lanes);

/// Lanes a row op wants on a GPU: rms_norm reduces over a whole row with
/// one block; the element-wise ops spread a row over blocks of `threads`.
/// Returns (blocks per row, true when the row's lanes span one block).
std::pair<int64_t, bool> gpuRowBlocks(Operation *op, int64_t threads);

} // namespace mlir::vptq

#endif // VPTQ_CONVERSION_TRANSFORMERKERNELS_H
