//===- ShardedMatmulKernel.cpp - vptq.matmul on a sharded codebook --------===//
//
// The sharded form of the fused vptq.matmul kernel (an op with
// `shard_entries` / `shard_offsets`, placement `centroids = sharded`), for
// codebooks too large for one block's shared memory (v8-k65536: 1 MiB of
// f16). A lookup from L2 costs about what fp16 weights cost; split over the
// S blocks of a thread-block cluster, each block holds K / S entries in
// shared memory and takes only the lookups that fall there.
//
// The grid has persistent_blocks = S x C blocks, clusters of S (the
// kernel's nvvm.cluster_dim); block rank s of a cluster holds shard s. The
// clusters split the index rows into C contiguous ranges, so every block of
// a cluster works on the same rows. A block
//   1. copies its codebook slice and its shard's offsets of the range's
//      rows into shared memory (weights only: before the grid-dependency
//      wait), then its batch tile's activations scaled
//      by the channel norm, in natural order (the entries name the input
//      column after the permutation), plus a zero column for padding, and
//      the norm term sum_j x[j] * weight_bias[j];
//   2. walks its rows, block_rows at a time with warps_per_row warps each:
//      the warps of a row split the row's entries of shard s, each lane
//      reading 2 x 4 entries (two 16-byte loads in flight) per step,
//      gathering each entry's vector
//      from the slice and accumulating x'[column] * vector in f32; each
//      warp's sums go to the block's partials in shared memory;
//   3. after a cluster barrier, the S blocks split the range's outputs and
//      sum each over the S blocks' partials in distributed shared memory
//      (mapa), add the norm term, outliers and bias, and store; a second
//      cluster barrier keeps the partials alive until all blocks have read.
//
//===----------------------------------------------------------------------===//

#include "ShardedMatmulKernel.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::vptq;
using namespace mlir::vptq::gpu_kernels;

namespace {

/// Entries each lane reads per load (16 bytes).
constexpr int64_t kEntriesPerLoad = 4;
/// Loads of entries each lane issues before using them.
constexpr int64_t kLoadsInFlightPerLane = 2;

class ShardedMatmulKernelEmitter {
public:
  ShardedMatmulKernelEmitter(MatmulOp op, KernelFunc &kernel, TilingAttr tiling,
                             int64_t maxSharedBytes, bool gridDependency)
      : cfg(op.getConfig().getLayerConfig()),
        wa(mapWeightAccess(op, kernel.args)), modelType(wa.modelType()),
        tiling(tiling), shards(op.getNumCodebookShards()),
        layout(getShardedSharedMemoryLayout(cfg, modelType, tiling, shards,
                                            maxSharedBytes)),
        rowsPerCluster(getShardedRowsPerCluster(cfg, tiling, shards)),
        gridDependency(gridDependency), x(kernel.args.lookup(op.getInput())),
        y(kernel.args.lookup(op.getInit())),
        bias(op.getBias() ? kernel.args.lookup(op.getBias()) : Value()),
        entries(kernel.args.lookup(op.getShardEntries())),
        offsets(kernel.args.lookup(op.getShardOffsets())), func(kernel.func) {}

  int64_t sharedBytes() const { return layout.total; }

  void emit() {
    OpBuilder b = OpBuilder::atBlockBegin(&func.getBody().front());
    Location loc = func.getLoc();
    EmitContext e{b, loc};
    const int64_t threads = tiling.getThreads();
    const int64_t Bt = tiling.getBatchTile(), V = cfg.vectorLen;
    const int64_t shardEntries = cfg.numCentroids / shards;
    func->setAttr(NVVM::NVVMDialect::getClusterDimAttrName(),
                  b.getDenseI32ArrayAttr({int32_t(shards), 1, 1}));

    tid = gpu::ThreadIdOp::create(b, loc, gpu::Dimension::x);
    warp = arith::DivUIOp::create(b, loc, tid, e.index(kThreadsPerWarp));
    lane = arith::RemUIOp::create(b, loc, tid, e.index(kThreadsPerWarp));
    rank = arith::IndexCastUIOp::create(
        b, loc, b.getIndexType(),
        NVVM::ClusterId::create(b, loc, b.getI32Type()));
    Value cluster = arith::DivUIOp::create(
        b, loc, gpu::BlockIdOp::create(b, loc, gpu::Dimension::x),
        e.index(shards));
    firstRow = e.mul(cluster, e.index(rowsPerCluster));
    firstBatch = e.mul(gpu::BlockIdOp::create(b, loc, gpu::Dimension::y),
                       e.index(Bt));
    batch = memref::DimOp::create(b, loc, x, 0);

    dsm = emitDynamicSharedMemory(b, loc);
    slice = sharedView(b, loc, dsm, layout.centroids, {1, shardEntries * V},
                       modelType);
    rowOffsets = sharedView(b, loc, dsm, layout.codes, {rowsPerCluster + 1},
                            b.getI32Type());
    inputs = sharedView(b, loc, dsm, layout.inputs, {Bt, cfg.inFeatures + 1},
                        layout.inputsElemBytes == 4 ? Type(b.getF32Type())
                                                    : modelType);
    partials = sharedView(
        b, loc, dsm, layout.partials,
        {rowsPerCluster, tiling.getWarpsPerRow(), Bt, V}, b.getF32Type());
    if (layout.normBytes)
      norm = sharedView(b, loc, dsm, layout.norm, {threads / kThreadsPerWarp, Bt},
                        b.getF32Type());

    emitCooperativeCopy(b, loc, wa.values().centroids, e.index(0), slice,
                        shardEntries * V, tid, threads,
                        e.mul(rank, e.index(shardEntries * V)));
    stageRowOffsets(b, loc);
    // The scales and norm biases of a thread's few columns come before the
    // wait, and the norm term from the staging's loads of x.
    ScaledInputStaging staging = inputStaging();
    std::optional<ScaledInputStaging::Preloaded> preloaded;
    if (staging.canPreload())
      preloaded = staging.preload(b, loc, /*withBias=*/bool(norm));
    if (gridDependency)
      emitGridDependencyWait(b, loc);
    SmallVector<Value> sums = staging.stage(b, loc, preloaded);
    if (norm && preloaded)
      storeNormPartials(b, loc, sums, warp, lane, norm);
    else if (norm)
      emitNormTermPartials(b, loc, wa, x, firstBatch, Bt, tid, threads, warp,
                           lane, norm);
    gpu::BarrierOp::create(b, loc);
    emitRows(b, loc);
    emitClusterBarrier(b, loc);
    emitReduction(b, loc);
    // The other blocks may still read this block's partials. Relaxed: what
    // this barrier orders are remote loads whose values the arriving
    // threads have already used (ncu: the release form's ERRBAR fence took
    // 3 % of the stall samples).
    emitClusterBarrier(b, loc, /*relaxed=*/true);
    gpu::ReturnOp::create(b, loc);
  }

private:
  /// Every thread of every block of the cluster (release / acquire: the
  /// partials written before are visible to the whole cluster after;
  /// `relaxed`: no ordering of earlier memory accesses).
  static void emitClusterBarrier(OpBuilder &b, Location loc,
                                 bool relaxed = false) {
    if (relaxed)
      NVVM::ClusterArriveRelaxedOp::create(b, loc, b.getUnitAttr());
    else
      NVVM::ClusterArriveOp::create(b, loc, b.getUnitAttr());
    NVVM::ClusterWaitOp::create(b, loc, b.getUnitAttr());
  }

  /// rowOffsets[i] = offsets[rank, firstRow + i] for the cluster's rows and
  /// the end of the last (weights: before the grid-dependency wait), so
  /// that a warp starts on a row with one shared load, not an L2 round trip.
  void stageRowOffsets(OpBuilder &b, Location loc) {
    EmitContext e{b, loc};
    emitFor(b, loc, tid, e.index(rowsPerCluster + 1),
            e.index(tiling.getThreads()), [&](OpBuilder &b1, Value i) {
      EmitContext e1{b1, loc};
      Value row = e1.add(firstRow, i);
      emitIf(b1, loc,
             cmp(b1, loc, arith::CmpIPredicate::ule, row,
                 e1.index(cfg.numIndexRows())),
             [&](OpBuilder &b2) {
        Value v = memref::LoadOp::create(b2, loc, offsets, ValueRange{rank, row});
        memref::StoreOp::create(b2, loc, v, rowOffsets, ValueRange{i});
      });
    });
  }

  /// Staging of inputs[j, col] = x[b0 + j, col] * weight_scale[col] (zero
  /// past the batch), inputs[j, in_features] = 0; rounded to the model type
  /// where the layout narrows the inputs.
  ScaledInputStaging inputStaging() const {
    return ScaledInputStaging{
        wa,
        x,
        inputs,
        firstBatch,
        batch,
        tiling.getBatchTile(),
        cfg.inFeatures + 1,
        /*offset=*/Value(),
        cfg.inFeatures,
        /*wholeChunk=*/false,
        tid,
        tiling.getThreads(),
        [](const EmitContext &, Value col) { return col; }};
  }

  /// Step 2: the block's shard of each row of the cluster's range.
  void emitRows(OpBuilder &b, Location loc) {
    EmitContext e{b, loc};
    const int64_t parts = tiling.getWarpsPerRow();
    const int64_t warps = tiling.getThreads() / kThreadsPerWarp;
    const int64_t Bt = tiling.getBatchTile(), V = cfg.vectorLen;
    // Unit u = (row r = u / parts, part p = u % parts) of the range.
    emitFor(b, loc, warp, e.index(rowsPerCluster * parts), e.index(warps),
            [&](OpBuilder &b1, Value unit) {
      EmitContext e1{b1, loc};
      Value r = arith::DivUIOp::create(b1, loc, unit, e1.index(parts));
      Value part = arith::RemUIOp::create(b1, loc, unit, e1.index(parts));
      Value row = e1.add(firstRow, r);
      // Warp-uniform: the whole warp skips rows past the end.
      emitIf(b1, loc,
             cmp(b1, loc, arith::CmpIPredicate::ult, row,
                 e1.index(cfg.numIndexRows())),
             [&](OpBuilder &b2) {
        EmitContext e2{b2, loc};
        Value begin = e2.loadUnsignedIndex(rowOffsets, {r});
        Value end = e2.loadUnsignedIndex(rowOffsets, {e2.add(r, e2.index(1))});
        Value first = e2.add(
            begin,
            e2.mul(e2.add(e2.mul(part, e2.index(kThreadsPerWarp)), lane),
                   e2.index(kEntriesPerLoad)));
        auto vecType = VectorType::get({V}, b2.getF32Type());
        Value zero = arith::ConstantOp::create(
            b2, loc, vecType, DenseElementsAttr::get(vecType, 0.0f));
        SmallVector<Value> init(Bt, zero);
        // Two loads in flight per step: the second (the lane's next 4
        // entries) reads padding entries past the row's end.
        const int64_t stride = parts * kThreadsPerWarp * kEntriesPerLoad;
        SmallVector<Value> accs = emitForAcc(
            b2, loc, first, end, e2.index(kLoadsInFlightPerLane * stride),
            init, [&](OpBuilder &b3, Value i, ValueRange acc) {
              EmitContext e3{b3, loc};
              SmallVector<Value> words;
              words.push_back(loadEntries(e3, i));
              for (int64_t u = 1; u < kLoadsInFlightPerLane; ++u) {
                Value at = e3.add(i, e3.index(u * stride));
                Value inRow = cmp(b3, loc, arith::CmpIPredicate::ult, at, end);
                words.push_back(emitSelect(
                    b3, loc, inRow,
                    loadEntries(e3, emitSelect(b3, loc, inRow, at, i)),
                    padding(e3)));
              }
              SmallVector<Value> next(acc.begin(), acc.end());
              for (Value w : words)
                next = accumulate(b3, loc, w, next);
              return next;
            });
        storeWarpSums(b2, loc, accs, lane, V,
                      [&](OpBuilder &b3, Value sum, Value j, Value l) {
          memref::StoreOp::create(b3, loc, sum, partials,
                                  ValueRange{r, part, j, l});
        });
      });
    });
  }

  /// Entries i .. i + 3 (one 16-byte load).
  Value loadEntries(const EmitContext &e, Value i) {
    auto wordsType = VectorType::get({kEntriesPerLoad}, e.b.getI32Type());
    auto load = vector::LoadOp::create(e.b, e.loc, wordsType, entries, i);
    load.setAlignment(kEntriesPerLoad * 4);
    return load;
  }

  /// Four padding entries: the zero column, entry 0.
  Value padding(const EmitContext &e) {
    auto wordsType = VectorType::get({kEntriesPerLoad}, e.b.getI32Type());
    return arith::ConstantOp::create(
        e.b, e.loc, wordsType,
        DenseElementsAttr::get(wordsType,
                               e.b.getI32IntegerAttr(int32_t(cfg.inFeatures))
                                   .getValue()));
  }

  /// Accumulates the 4 entries `load`: acc[j] += inputs[j, column] * vector.
  SmallVector<Value> accumulate(OpBuilder &b, Location loc, Value load,
                                ValueRange acc) {
    EmitContext e{b, loc};
    const int64_t V = cfg.vectorLen;
    auto vecType = VectorType::get({V}, b.getF32Type());
    SmallVector<Value> next(acc.begin(), acc.end());
    for (int64_t h = 0; h < kEntriesPerLoad; ++h) {
      Value word =
          vector::ExtractOp::create(b, loc, load, ArrayRef<int64_t>{h});
      Value column = arith::IndexCastUIOp::create(
          b, loc, b.getIndexType(),
          arith::AndIOp::create(b, loc, word, e.i32(0xffff)));
      Value entry = arith::IndexCastUIOp::create(
          b, loc, b.getIndexType(),
          arith::ShRUIOp::create(b, loc, word, e.i32(16)));
      Value vec = emitVectorLoad(e, slice, {e.index(0)},
                                 e.mul(entry, e.index(V)), V);
      for (int64_t j = 0; j < tiling.getBatchTile(); ++j) {
        Value xv = e.loadF32(inputs, {e.index(j), column});
        Value xb = vector::BroadcastOp::create(b, loc, vecType, xv);
        next[j] = vector::FMAOp::create(b, loc, xb, vec, next[j]);
      }
    }
    return next;
  }

  /// Step 3: this block's share of the range's outputs, summed over the
  /// cluster's partials.
  void emitReduction(OpBuilder &b, Location loc) {
    EmitContext e{b, loc};
    const int64_t parts = tiling.getWarpsPerRow();
    const int64_t Bt = tiling.getBatchTile(), V = cfg.vectorLen;
    const int64_t threads = tiling.getThreads();
    Type ptrType = LLVM::LLVMPointerType::get(b.getContext());
    // Generic pointers to the partials of each block of the cluster.
    Value local = LLVM::AddrSpaceCastOp::create(b, loc, ptrType,
                                                emitSharedPointer(e, dsm, 0));
    SmallVector<Value> remote;
    for (int64_t s = 0; s < shards; ++s)
      remote.push_back(NVVM::MapaOp::create(b, loc, ptrType, local,
                                            e.i32(s))
                           .getResult());
    emitFor(b, loc, e.add(e.mul(rank, e.index(threads)), tid),
            e.index(rowsPerCluster * Bt * V), e.index(shards * threads),
            [&](OpBuilder &b1, Value item) {
      EmitContext e1{b1, loc};
      Value r = arith::DivUIOp::create(b1, loc, item, e1.index(Bt * V));
      Value rest = arith::RemUIOp::create(b1, loc, item, e1.index(Bt * V));
      Value j = arith::DivUIOp::create(b1, loc, rest, e1.index(V));
      Value l = arith::RemUIOp::create(b1, loc, rest, e1.index(V));
      Value outRow =
          e1.add(e1.mul(e1.add(firstRow, r), e1.index(V)), l);
      Value bj = e1.add(firstBatch, j);
      Value valid = andI(
          b1, loc,
          cmp(b1, loc, arith::CmpIPredicate::ult, outRow,
              e1.index(cfg.outFeatures)),
          cmp(b1, loc, arith::CmpIPredicate::ult, bj, batch));
      emitIf(b1, loc, valid, [&](OpBuilder &b2) {
        EmitContext e2{b2, loc};
        Value val = e2.f32(0);
        for (int64_t p = 0; p < parts; ++p) {
          // Byte offset of partials[r, p, j, l].
          Value elem = e2.add(
              e2.mul(e2.add(e2.mul(r, e2.index(parts)), e2.index(p)),
                     e2.index(Bt * V)),
              rest);
          Value offset = arith::IndexCastUIOp::create(
              b2, loc, b2.getI64Type(),
              e2.add(e2.index(layout.partials), e2.mul(elem, e2.index(4))));
          for (int64_t s = 0; s < shards; ++s) {
            Value ptr = LLVM::GEPOp::create(b2, loc, ptrType, b2.getI8Type(),
                                            remote[s], ValueRange{offset});
            val = e2.add(val,
                         LLVM::LoadOp::create(b2, loc, b2.getF32Type(), ptr));
          }
        }
        if (norm)
          val = emitForAcc(b2, loc, e2.index(0),
                           e2.index(threads / kThreadsPerWarp), e2.index(1),
                           {val}, [&](OpBuilder &b3, Value w, ValueRange acc) {
                             Value v = memref::LoadOp::create(
                                 b3, loc, norm, ValueRange{w, j});
                             return SmallVector<Value>{
                                 EmitContext{b3, loc}.add(acc[0], v)};
                           })[0];
        if (cfg.hasOutliers())
          val = emitForAcc(
              b2, loc, e2.index(0), e2.index(cfg.outlierSize), e2.index(1),
              {val}, [&](OpBuilder &b3, Value o, ValueRange acc) {
                EmitContext e3{b3, loc};
                Value p = wa.emitInputColumn(e3, o);
                Value xv = wa.emitScaledInput(e3, x, bj, p);
                Value wv = wa.emitOutlierWeight(e3, outRow, o);
                return SmallVector<Value>{e3.add(acc[0], e3.mul(xv, wv))};
              })[0];
        emitStoreOutput(e2, val, bias, y, bj, outRow);
      });
    });
  }

  LayerConfig cfg;
  WeightAccess wa;
  Type modelType;
  TilingAttr tiling;
  int64_t shards;
  SharedMemoryLayout layout;
  int64_t rowsPerCluster;
  bool gridDependency;
  Value x, y, bias, entries, offsets;
  gpu::GPUFuncOp func;
  // Set while emitting.
  Value tid, warp, lane, rank, firstRow, firstBatch, batch;
  Value dsm, slice, rowOffsets, inputs, partials, norm;
};

} // namespace

FailureOr<int64_t> mlir::vptq::gpu_kernels::emitShardedMatmulKernel(
    MatmulOp op, KernelFunc &kernel, TilingAttr tiling,
    const TargetInfo &target, bool gridDependency) {
  const int64_t shards = op.getNumCodebookShards();
  if (!target.hasClusters())
    return op.emitOpError("the sharded kernel runs as thread-block clusters: "
                          "it needs an NVIDIA sm_90 or newer chip, not ")
           << target.chip;
  if (shards > kMaxCodebookShards)
    return op.emitOpError("clusters hold at most ")
           << kMaxCodebookShards << " blocks, got " << shards << " shards";
  if (tiling.getMma() || tiling.getPersistentBlocks() < shards ||
      tiling.getPersistentBlocks() % shards != 0)
    return op.emitOpError("the sharded kernel needs a SIMT tiling whose "
                          "persistent_blocks is a multiple of the ")
           << shards << " shards (S x clusters), got " << tiling;
  Type modelType =
      cast<ShapedType>(op.getCentroids().getType()).getElementType();
  const LayerConfig c = op.getConfig().getLayerConfig();
  int64_t bytes = getShardedSharedMemoryLayout(c, modelType, tiling, shards,
                                               target.maxSharedBytes)
                      .total;
  if (bytes > target.maxSharedBytes)
    return op.emitOpError("the sharded kernel needs ")
           << bytes << " bytes of shared memory, more than the "
           << target.maxSharedBytes << " of " << target.chip;
  ShardedMatmulKernelEmitter emitter(op, kernel, tiling,
                                     target.maxSharedBytes, gridDependency);
  emitter.emit();
  return emitter.sharedBytes();
}
