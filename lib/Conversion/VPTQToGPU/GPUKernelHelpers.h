//===- GPUKernelHelpers.h - IR building blocks of the GPU kernels -*- C++ -*-===//
//
// Loops, conditions, shuffles, shared-memory views and kernel creation shared
// by the kernels convert-vptq-to-gpu generates. Internal to the lowering.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_LIB_CONVERSION_VPTQTOGPU_GPUKERNELHELPERS_H
#define VPTQ_LIB_CONVERSION_VPTQTOGPU_GPUKERNELHELPERS_H

#include "vptq/Conversion/WeightAccess.h"
#include "vptq/Transforms/Heuristics.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/IRMapping.h"

namespace mlir::vptq::gpu_kernels {

constexpr int64_t kThreadsPerWarp = 32;

/// Threads per block of the element-wise dequant and unpack kernels.
constexpr int64_t kElementwiseThreads = 256;

inline int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

//===----------------------------------------------------------------------===//
// Small IR helpers
//===----------------------------------------------------------------------===//

void emitFor(OpBuilder &b, Location loc, Value lb, Value ub, Value step,
             function_ref<void(OpBuilder &, Value)> fn);

SmallVector<Value> emitForAcc(
    OpBuilder &b, Location loc, Value lb, Value ub, Value step,
    ValueRange init,
    function_ref<SmallVector<Value>(OpBuilder &, Value, ValueRange)> fn);

void emitIf(OpBuilder &b, Location loc, Value cond,
            function_ref<void(OpBuilder &)> fn);

Value emitSelect(OpBuilder &b, Location loc, Value cond, Value t, Value f);

Value cmp(OpBuilder &b, Location loc, arith::CmpIPredicate pred, Value x,
          Value y);

Value andI(OpBuilder &b, Location loc, Value x, Value y);

/// Code `c` (`bits` wide, at most 32) of a little-endian stream of i32
/// index words held in registers, as i32 (constant shifts; a code may
/// straddle two words).
Value emitExtractCode(const EmitContext &e, ArrayRef<Value> words, int64_t c,
                      int64_t bits);

/// Words w0 .. w0 + count - 1 of row `row` of codebook group `cb` of the
/// packed index words `indices` ([groups, rows, words] i32), as i32 values:
/// aligned vector loads of `width` words (count, w0 and the row length
/// multiples of it), or scalar loads for width 1.
SmallVector<Value> emitLoadWords(const EmitContext &e, Value indices, Value cb,
                                 Value row, Value w0, int64_t count,
                                 int64_t width);

/// Sums (or takes the maximum of) `v` over the 32 lanes of a warp: every
/// lane gets the result.
Value warpAllReduce(OpBuilder &b, Location loc, Value v, bool max = false);

/// One warp-wide sum of warpSums: lanes with `owner` set hold the sum of
/// value `index` (one lane per value).
struct WarpSum {
  Value sum, index, owner;
};

/// Sums each of `values` (f32, one set per lane) over the 32 lanes of a
/// warp by recursive halving: at each step a lane keeps half of its values
/// and sends the other half to its partner, so P values (N rounded up to a
/// power of two, at most 32) take P - 1 + log2(32 / P) shuffles instead of
/// the 5 P of all-reduces (9 instead of 40 for a vector of 8). Lane L ends
/// with the sum of value L / (32 / P). More than 32 values go in groups of
/// 32, one WarpSum each.
SmallVector<WarpSum> warpSums(OpBuilder &b, Location loc,
                              ArrayRef<Value> values, Value lane);

/// Sums accumulators `accs` (one vector<V x f32> per batch row) over the
/// lanes of a warp (warpSums) and calls store(builder, sum, j, l) on the
/// lane that holds the sum of element l of accs[j] (j, l: index values).
void storeWarpSums(
    OpBuilder &b, Location loc, ValueRange accs, Value lane, int64_t V,
    function_ref<void(OpBuilder &, Value, Value, Value)> store);

/// A typed view of `bytes` bytes at `offset` of the dynamic shared memory.
Value sharedView(OpBuilder &b, Location loc, Value dynamicShared,
                 int64_t offset, ArrayRef<int64_t> shape, Type elem);

/// The kernel's dynamic shared memory as memref<?xi8, workgroup>.
Value emitDynamicSharedMemory(OpBuilder &b, Location loc);

/// Programmatic dependent launch (NVIDIA sm_90 and newer): waits until the
/// previous kernel of the stream has completed and its writes are visible
/// (griddepcontrol.wait). A kernel launched to overlap its predecessor
/// reads nothing that kernel writes, and writes nothing, before this.
void emitGridDependencyWait(OpBuilder &b, Location loc);

/// Makes `kernel` overlap its predecessor: waits for the predecessor first
/// thing unless the body already waits (emitGridDependencyWait) later, and
/// lets the next kernel of the stream launch once every block has reached
/// its end (griddepcontrol.launch_dependents before the return: the next
/// kernel's launch and prologue overlap this one's last blocks and memory
/// flush; triggering at the start let waiting blocks hold SM resources and
/// measured slower, bench/results/2026-11-23-h100-decode-step.md).
void addGridDependencyControl(gpu::GPUFuncOp kernel);

/// Stages dst[j, g] = x[firstBatch + j, p] * weight_scale[p] (as
/// WeightAccess::emitScaledInput, computed in f32 and stored as dst's
/// element type) for j < batchTile and g < width with
/// all `threads` threads, p = inputColumn(g); zero where the batch row is
/// past `batch` or columnInRange(g) is false (inputColumn is only
/// evaluated for columns in range).
void emitStageScaledInputs(
    OpBuilder &b, Location loc, const WeightAccess &wa, Value x, Value dst,
    Value firstBatch, Value batch, int64_t batchTile, int64_t width,
    Value tid, int64_t threads,
    function_ref<Value(const EmitContext &, Value)> columnInRange,
    function_ref<Value(const EmitContext &, Value)> inputColumn);

/// The norm term sum_j x[b, j] * weightBias[j] of batch rows firstBatch ..
/// firstBatch + batchTile - 1 (clamped to the batch) over the `threads`
/// threads of a block: lane 0 of warp `warp` stores its warp's partial of
/// batch row j at norm[warp, j] (the caller sums the warps' partials).
void emitNormTermPartials(OpBuilder &b, Location loc, Value x,
                          Value weightBias, int64_t inFeatures,
                          Value firstBatch, int64_t batchTile, Value tid,
                          int64_t threads, Value warp, Value lane,
                          Value norm);

/// Stores f32 `val` (+ bias[col] when `bias` is set) into y[row, col],
/// rounded to y's element type.
void emitStoreOutput(const EmitContext &e, Value val, Value bias, Value y,
                     Value row, Value col);

/// Items each thread of emitThreadRounds produces before it consumes them.
constexpr int64_t kLoadsInFlight = 4;

/// For items first, first + step, ... below `total` (first < step: one
/// thread's share of a block-wide loop), calls consume(item,
/// produce(item)). Rounds in which every thread has an item go
/// kLoadsInFlight at a time, all produced before any is consumed, so that
/// their loads overlap: one load latency per batch instead of one per item
/// (ncu showed copies' stores waiting on each load in turn); the rest goes
/// one item at a time.
void emitThreadRounds(
    OpBuilder &b, Location loc, Value first, int64_t total, int64_t step,
    function_ref<Value(const EmitContext &, Value)> produce,
    function_ref<void(const EmitContext &, Value, Value)> consume);

/// Copies `count` elements of codebook `c` (row c of a [NC, K] memref),
/// from element `srcOffset` on (0 when null; a multiple of `count`), into
/// the shared buffer `dst` ([1, count]) with all threads, in the widest
/// aligned vectors.
void emitCooperativeCopy(OpBuilder &b, Location loc, Value src, Value c,
                         Value dst, int64_t count, Value tid, int64_t threads,
                         Value srcOffset = {});

/// The main and residual codebooks a matmul kernel keeps in shared memory
/// (null where the placement keeps them elsewhere), one codebook group at a
/// time. A replicated codebook (placement `replicated`) keeps
/// kCodebookCopies copies of each 16-byte entry side by side, entry e's in
/// row e of [K][kCodebookCopies][V]: a lookup reads the copy its caller
/// picks, so that the lanes of one shared-memory wavefront that read
/// different entries read different copies, on different banks.
struct SharedCodebooks {
  Value centroids, resCentroids;
  bool replicated = false, resReplicated = false;

  /// Views the buffers `layout` places in the dynamic shared memory `dsm`.
  static SharedCodebooks view(OpBuilder &b, Location loc, Value dsm,
                              const SharedMemoryLayout &layout,
                              const LayerConfig &config, Type modelType,
                              PlacementAttr placement);
  bool any() const { return centroids || resCentroids; }
  /// Copies codebook group `cb` of `weights` in with all `threads` threads
  /// (the caller places the barriers around it).
  void copyGroup(OpBuilder &b, Location loc, const LayerConfig &config,
                 const QuantizedWeightValues &weights, Value cb, Value tid,
                 int64_t threads) const;
  /// `copy` (an index below kCodebookCopies) where the main (`residual`
  /// false) or residual codebook is replicated, else null: the copy
  /// argument of gather and gatherPart.
  Value copyFor(bool residual, Value copy) const {
    return (residual ? resReplicated : replicated) ? copy : Value();
  }
  /// Gathers entry `entry` of group `cb` as vector<V x f32> (with `widen`;
  /// else in the codebook's type): from `shared` (one of the views above)
  /// when set, else from the global `codebook`; from copy `copy` of a
  /// replicated view.
  static Value gather(const EmitContext &e, const LayerConfig &config,
                      Value shared, Value codebook, Value cb, Value entry,
                      Value copy = {}, bool widen = true);
  /// Elements first .. first + count - 1 of that entry as
  /// vector<count x f32>, or in the codebook's type when `widen` is false
  /// (one aligned load when first is a multiple of count and count a power
  /// of two).
  static Value gatherPart(const EmitContext &e, const LayerConfig &config,
                          Value shared, Value codebook, Value cb, Value entry,
                          Value first, int64_t count, Value copy = {},
                          bool widen = true);
  /// The element offset of entry `entry` in a shared view: copy `copy`'s
  /// in a replicated one (copy set), else the entry's.
  static Value entryOffset(const EmitContext &e, const LayerConfig &config,
                           Value entry, Value copy);
};

//===----------------------------------------------------------------------===//
// Kernel scaffolding
//===----------------------------------------------------------------------===//

/// A gpu.func whose arguments stand for the memref operands of `op`, in
/// order, with a mapping from each operand to its argument.
struct KernelFunc {
  gpu::GPUFuncOp func;
  IRMapping args;
};

KernelFunc createKernel(OpBuilder &moduleBuilder, Operation *op,
                        StringRef name, int64_t threads);

QuantizedWeightValues mapWeights(const QuantizedWeightValues &w,
                                 const IRMapping &args);

/// Replaces `op` by a launch of `kernel` with its operands and records the
/// launch parameters runtimes need in a `vptq.launch` attribute.
/// The grid is (gridX, ceil(batch / batchTile), 1) where batch is dimension 0
/// of `batchOperand` (no batch: gridY = 1).
void replaceWithLaunch(OpBuilder &b, Operation *op, gpu::GPUFuncOp kernel,
                       int64_t gridX, Value batchOperand, int64_t batchTile,
                       int64_t threads, int64_t sharedBytes,
                       NamedAttrList info);

} // namespace mlir::vptq::gpu_kernels

#endif // VPTQ_LIB_CONVERSION_VPTQTOGPU_GPUKERNELHELPERS_H
