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
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"

#include <functional>

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

/// Activations staged into shared memory with all `threads` threads of a
/// block: dst[j, g] = x[firstBatch + j, p] * weight_scale[p] with p =
/// column(min(offset + g, end - 1)), for j < batchTile and g < width
/// (computed in f32 as WeightAccess::emitScaledInput, stored as dst's
/// element type); zero where the batch row is past `batch` or offset + g is
/// not below `end`. Preloaded items, and emit()'s items when every column
/// is in range, load unconditionally (clamped batch rows and columns,
/// values selected), so that a thread's loads of several items overlap;
/// emit() loads items of chunks that may end past `end` under a branch.
struct ScaledInputStaging {
  /// The weights one thread's items read: their columns (through the
  /// permutation), scales and, for the norm term, weight_bias. They may be
  /// read before the grid-dependency wait.
  struct Preloaded {
    SmallVector<Value> columns, scales, biases;
  };

  /// The most items per thread preload() holds in registers.
  static constexpr int64_t kMaxPreloadedItems = 12;

  const WeightAccess &wa;
  Value x, dst, firstBatch, batch;
  int64_t batchTile, width;
  /// The first column (an index; null for 0) and the end of the columns.
  Value offset;
  int64_t end;
  /// Set when offset + width <= end whatever the offset (no clamps).
  bool wholeChunk;
  Value tid;
  int64_t threads;
  std::function<Value(const EmitContext &, Value)> column;
  /// When set, the activations come from this shared [batchTile][columns]
  /// f32 buffer of x * weight_scale in natural column order (rows past the
  /// batch zero), not from x and weight_scale: dst[j, g] = row[j, p].
  Value row = {};

  /// Stages every item in block-wide rounds (emitThreadRounds).
  void emit(OpBuilder &b, Location loc) const;
  /// True when each thread has at most kMaxPreloadedItems items.
  bool canPreload() const {
    return ceilDiv(batchTile * width, threads) <= kMaxPreloadedItems;
  }
  /// Reads the weights of the thread's items (canPreload); with `withBias`
  /// their weight_bias too.
  Preloaded preload(OpBuilder &b, Location loc, bool withBias) const;
  /// Reads x for the preloaded items and stores them. With biases, returns
  /// each batch row's share of the norm term, the thread's sum of x[b, p] *
  /// weight_bias[p] over its items in range: the whole term once the
  /// block's shares are summed when the columns in range are every input
  /// column once.
  SmallVector<Value> stagePreloaded(OpBuilder &b, Location loc,
                                    const Preloaded &w) const;
  /// stagePreloaded(w) when `w` is set, else emit() (no norm shares).
  SmallVector<Value> stage(OpBuilder &b, Location loc,
                           const std::optional<Preloaded> &w) const;

private:
  /// True when every column of every item is below `end`.
  bool allColumnsInRange() const {
    std::optional<int64_t> c =
        offset ? getConstantIntValue(offset) : std::optional<int64_t>(0);
    return wholeChunk || (c && *c + width <= end);
  }
  /// offset + g.
  Value column0(const EmitContext &e, Value g) const {
    return offset ? e.add(offset, g) : g;
  }
  /// Batch row and column (j, g) of item `item`. `bound`, when positive,
  /// says the item is preloaded item u of its thread: in [u * threads,
  /// bound) with bound at most (u + 1) * threads; j is a constant when that
  /// range lies in one batch row.
  std::pair<Value, Value> split(const EmitContext &e, Value item,
                                int64_t bound) const;
  /// The weights of an item of chunk column `g`.
  void loadWeights(const EmitContext &e, Value g, bool withBias,
                   Preloaded &w) const;
  /// x times the scale of the item (j, g) whose column is `column`, zero
  /// out of range, and with `bias` x times it (zero out of range) as the
  /// second value.
  std::pair<Value, Value> scaledInput(const EmitContext &e, Value j, Value g,
                                      Value column, Value scale,
                                      Value bias) const;
};

/// Sums the threads' shares `sums` (one per batch row) over warp `warp`:
/// lane 0 stores batch row j's at norm[warp, j] (the caller sums the warps'
/// partials).
void storeNormPartials(OpBuilder &b, Location loc, ArrayRef<Value> sums,
                       Value warp, Value lane, Value norm);

/// storeNormPartials of the norm term sum_c x[b, c] * weight_bias[c] (x
/// as wa.emitInput reads it) of batch rows firstBatch .. firstBatch +
/// batchTile - 1 (clamped to the batch) summed by the `threads` threads of
/// a block, kLoadsInFlight columns at a time.
void emitNormTermPartials(OpBuilder &b, Location loc, const WeightAccess &wa,
                          Value x, Value firstBatch, int64_t batchTile,
                          Value tid, int64_t threads, Value warp, Value lane,
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
/// one item at a time, or with `clampedTail` in one more round whose items
/// are produced clamped to total - 1 (produce must accept any item below
/// `total`) and consumed where they are below it.
void emitThreadRounds(
    OpBuilder &b, Location loc, Value first, int64_t total, int64_t step,
    function_ref<Value(const EmitContext &, Value)> produce,
    function_ref<void(const EmitContext &, Value, Value)> consume,
    bool clampedTail = false);

/// Copies `count` elements of codebook `c` (row c of a [NC, K] memref),
/// from element `srcOffset` on (0 when null; a multiple of `count`), into
/// the shared buffer `dst` ([1, count]) with all threads, in the widest
/// aligned vectors.
void emitCooperativeCopy(OpBuilder &b, Location loc, Value src, Value c,
                         Value dst, int64_t count, Value tid, int64_t threads,
                         Value srcOffset = {});

/// The address of byte `offset` of the dynamic shared memory `dsm` (see
/// emitDynamicSharedMemory), as an LLVM pointer into the block's shared
/// memory (address space 3).
Value emitSharedPointer(const EmitContext &e, Value dsm, int64_t offset);

/// Bytes of a codebook's share that one thread's bulk copy of a multicast
/// moves (startMulticast).
constexpr int64_t kMulticastPieceBytes = 4096;

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
  /// Codebooks that come by cluster multicast (placement `multicast`).
  bool multicast = false, resMulticast = false;

  /// Views the buffers `layout` places in the dynamic shared memory `dsm`.
  static SharedCodebooks view(OpBuilder &b, Location loc, Value dsm,
                              const SharedMemoryLayout &layout,
                              const LayerConfig &config, Type modelType,
                              PlacementAttr placement);
  bool any() const { return centroids || resCentroids; }
  /// Copies codebook group `cb` of `weights` in with all `threads` threads
  /// (the caller places the barriers around it); multicast codebooks are
  /// left to startMulticast.
  void copyGroup(OpBuilder &b, Location loc, const LayerConfig &config,
                 const QuantizedWeightValues &weights, Value cb, Value tid,
                 int64_t threads) const;
  /// Starts the multicast of the multicast codebooks (group 0) in a cluster
  /// of kMulticastClusterBlocks blocks, which every thread of every
  /// block runs: thread 0 readies the mbarrier at layout.mbarrier for their
  /// bytes, a cluster barrier makes every block's mbarrier ready before any
  /// copy may land there, and the block of cluster rank r copies share r of
  /// each codebook (1 / N of it, in pieces of kMulticastPieceBytes, a
  /// thread each) into the same place in the shared memory of every block
  /// of the cluster.
  void startMulticast(OpBuilder &b, Location loc, const LayerConfig &config,
                      Type modelType, const QuantizedWeightValues &weights,
                      Value dsm, const SharedMemoryLayout &layout, Value tid,
                      int64_t threads) const;
  /// Waits (every thread) until this block's multicast codebooks have
  /// arrived, then arrives on the cluster barrier that finishMulticast
  /// waits on.
  void waitMulticast(OpBuilder &b, Location loc, Value dsm,
                     const SharedMemoryLayout &layout) const;
  /// Before the kernel returns: waits until every block of the cluster has
  /// received its codebooks, so that no block exits while copies it
  /// started may still be writing into the others.
  static void finishMulticast(OpBuilder &b, Location loc);
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

/// The weights of matmul `op` as a kernel reads them: its configuration,
/// its weight operands and its gate (if any) mapped through `args`.
WeightAccess mapWeightAccess(MatmulOp op, const IRMapping &args);

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
