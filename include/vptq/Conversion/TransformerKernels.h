//===- TransformerKernels.h - Row kernels of the transformer ops -*- C++
//-*-===//
//
// The CPU and GPU lowerings of the row ops (the transformer ops
// vptq.rms_norm, vptq.add_rms_norm, vptq.rotary, vptq.rotary_append,
// vptq.attention, vptq.rotary_attention, vptq.silu_mul, vptq.add,
// vptq.gather_rows and vptq.scatter_rows, and the quantizer ops vptq.nearest
// and vptq.gram) share their bodies: each op is written once as the work of
// one row (or one (row, head) pair for attention) split over `count`
// cooperating lanes, element-wise
// work in 16-byte vector steps. The CPU lowering runs rows in an scf.parallel
// with a single lane; the GPU lowering maps lanes to threads and reduces with
// shuffles.
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
  /// One lane: reductions are the value itself.
  static RowLanes single(const EmitContext &e);
};

/// Whether `op` is one of the row ops these kernels implement.
bool isRowOp(Operation *op);

/// The operand whose leading dimension is the op's row count: the tokens,
/// the points of vptq.nearest, the Hessian rows of vptq.gram.
Value getRowCountOperand(Operation *op);

/// Elements of a row that one lane handles in one vector step of a row op
/// (rms_norm, add_rms_norm, rotary, silu_mul, add, gather_rows,
/// scatter_rows; 1 for the others): 16 bytes of its narrowest float
/// operand (rotary: at most 2 elements, each a sine and a cosine), halved
/// until it divides the row (for rotary: half a head).
/// Rows must then start 16-byte aligned, as every kernel buffer does.
int64_t getRowVectorWidth(Operation *op);

/// Emits the work of row `row` of a row op (all but vptq.attention and
/// vptq.rotary_attention):
/// `operands` are the values standing for the op's operands (the op's own
/// on the CPU, kernel arguments on the GPU).
void emitTransformerRow(OpBuilder &b, Operation *op, ValueRange operands,
                        Value row, const RowLanes &lanes);

/// The online-softmax state of vptq.attention for one (row, head) over the
/// positions part, part + parts, ... up to the row's position: the largest
/// score, the sum of exp(score - max), and this lane's slots of the
/// exp-weighted sum of value rows (vector<slots x f32>, slots = ceil(head_dim
/// / count)). Slot s holds head dimension lane * slots + s where the lanes
/// divide the head (`contiguous`), else lane + count * s (garbage past the
/// head).
struct AttentionPartial {
  Value max, sum, acc;
  bool contiguous = false;
};

/// Whether `lanes` lanes hold contiguous slots of a head of `headDim`.
bool attentionSlotsContiguous(int64_t headDim, int64_t lanes);

/// The sizes of vptq.attention or vptq.rotary_attention.
struct AttentionShape {
  int64_t numHeads, numKVHeads, headDim;
  double scale;
  static AttentionShape get(Operation *op);
};

/// The values standing for the operands attention reads and writes, out of
/// `operands` (the op's own, or kernel arguments) of vptq.attention or
/// vptq.rotary_attention.
struct AttentionOperands {
  Value query, keyCache, valueCache, positions, output;
  static AttentionOperands get(Operation *op, ValueRange operands);
};

/// Emits that state: the `lanes` split the head dimensions and reduce each
/// position's score (so every lane holds the same max and sum); each step
/// of the loop takes `unroll` positions, their rows loaded together.
AttentionPartial emitAttentionPartial(OpBuilder &b, Location loc,
                                      const AttentionShape &shape,
                                      const AttentionOperands &operands,
                                      Value row, Value head,
                                      const RowLanes &lanes, Value part,
                                      int64_t parts, int64_t unroll = 1);

/// The appends of vptq.rotary_attention that the (row, head) block makes
/// before it attends, over its `lanes`: query head `head` of row `row`
/// rotated in place, and key/value head head / group of every row of the
/// call rotated into the key cache and copied into the value cache (the
/// blocks of a head group store the same values), as one range of steps.
void emitRotaryAttentionAppends(OpBuilder &b, RotaryAttentionOp op,
                                ValueRange operands, Value row, Value head,
                                const RowLanes &lanes);

/// Emits vptq.attention for query row `row` and head `head` (index values)
/// with a single lane: all positions, then out = acc / sum.
void emitAttentionHead(OpBuilder &b, AttentionOp op, ValueRange operands,
                       Value row, Value head);

/// Lanes a row op wants on a GPU: rms_norm and add_rms_norm reduce over a
/// whole row with one block; the element-wise ops spread a row's vector
/// steps over blocks of `threads`.
/// Returns (blocks per row, true when the row's lanes span one block).
std::pair<int64_t, bool> gpuRowBlocks(Operation *op, int64_t threads);

} // namespace mlir::vptq

#endif // VPTQ_CONVERSION_TRANSFORMERKERNELS_H
