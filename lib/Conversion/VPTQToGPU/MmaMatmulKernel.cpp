//===- MmaMatmulKernel.cpp - vptq.matmul on tensor cores ------------------===//
//
// The tensor-core form of the fused vptq.matmul kernel (#vptq.tiling with
// mma = true), for batches of several rows on NVIDIA sm_80 and newer.
//
// A block owns M = block_rows * V output rows and batch_tile batch rows.
// Each of its warps_per_row warps walks its own column chunks of k_chunk
// codes (chunk w, w + warps_per_row, ...) without block barriers:
//   1. dequantize: the warp's lanes decode the chunk's codes of the block's
//      index rows, gather the codebook vectors (global or shared memory),
//      add the residual, apply the norm (W * scale + bias of the input
//      column) in f32, round to the model type once (as vptq.dequant does)
//      and write the weights into the warp's own [M][k_chunk] tile;
//   2. multiply: per 16-column step, A fragments (16 x 16 weights) come
//      from the tile, B fragments (16 columns x 8 batch rows) straight from
//      the activations (permuted columns gathered), and mma.sync.m16n8k16
//      accumulates in f32; batch tiles past the batch are skipped.
// The warps' accumulators are then summed through shared memory and the
// epilogue adds the outlier columns and the bias.
//
//===----------------------------------------------------------------------===//

#include "MmaMatmulKernel.h"

#include "vptq/Transforms/Heuristics.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::vptq;
using namespace mlir::vptq::gpu_kernels;

namespace {

/// Rows, columns and batch rows of one mma.sync.m16n8k16.
constexpr int64_t kTileM = 16, kTileN = 8, kTileK = 16;

class MmaMatmulKernelEmitter {
public:
  MmaMatmulKernelEmitter(MatmulOp op, KernelFunc &kernel, TilingAttr tiling,
                         PlacementAttr placement)
      : cfg(op.getConfig().getLayerConfig()),
        wa(cfg, mapWeights(getWeightValues(op), kernel.args)),
        modelType(wa.modelType()), tiling(tiling), placement(placement),
        layout(getSharedMemoryLayout(cfg, modelType, tiling, placement)),
        split(mmaSplitsWeights(cfg)), x(kernel.args.lookup(op.getInput())),
        y(kernel.args.lookup(op.getInit())),
        bias(op.getBias() ? kernel.args.lookup(op.getBias()) : Value()),
        func(kernel.func) {}

  int64_t sharedBytes() const { return layout.total; }

  void emit() {
    OpBuilder b = OpBuilder::atBlockBegin(&func.getBody().front());
    Location loc = func.getLoc();
    EmitContext e{b, loc};
    const int64_t R = tiling.getBlockRows(), S = tiling.getWarpsPerRow();
    const int64_t Bt = tiling.getBatchTile(), Kc = tiling.getKChunk();
    const int64_t V = cfg.vectorLen, M = R * V;
    const int64_t threads = tiling.getThreads();

    tid = gpu::ThreadIdOp::create(b, loc, gpu::Dimension::x);
    warp = arith::DivUIOp::create(b, loc, tid, e.index(kWarpSize));
    lane = arith::RemUIOp::create(b, loc, tid, e.index(kWarpSize));
    group = arith::DivUIOp::create(b, loc, lane, e.index(4));
    quad = arith::RemUIOp::create(b, loc, lane, e.index(4));
    firstIndexRow = e.mul(gpu::BlockIdOp::create(b, loc, gpu::Dimension::x),
                          e.index(R));
    firstBatch = e.mul(gpu::BlockIdOp::create(b, loc, gpu::Dimension::y),
                       e.index(Bt));
    batch = memref::DimOp::create(b, loc, x, 0);
    lastBatch = arith::SubIOp::create(b, loc, batch, e.index(1));

    Value dsm = emitDynamicSharedMemory(b, loc);
    codebooks = SharedCodebooks::view(b, loc, dsm, layout, cfg, modelType);
    tiles = sharedView(b, loc, dsm, layout.tiles,
                       {S, split ? 2 * M : M, layout.tileStride}, modelType);
    Value partials =
        sharedView(b, loc, dsm, layout.partials, {S, M, Bt}, b.getF32Type());

    Value c0 = e.index(0), c1 = e.index(1);
    SmallVector<Value> init(numAccumulators(), e.f32(0));
    SmallVector<Value> accs = emitForAcc(
        b, loc, c0, e.index(cfg.numCodebooks), c1, init,
        [&](OpBuilder &b1, Value cb, ValueRange accIn) {
          EmitContext e1{b1, loc};
          if (codebooks.any()) {
            // The previous codebook's readers must be done before its
            // shared copy is overwritten.
            gpu::BarrierOp::create(b1, loc);
            codebooks.copyGroup(b1, loc, cfg, wa.values(), cb, tid, threads);
            gpu::BarrierOp::create(b1, loc);
          }
          return emitForAcc(
              b1, loc, e1.mul(warp, e1.index(Kc)), e1.index(cfg.groupSize),
              e1.index(S * Kc), accIn,
              [&](OpBuilder &b2, Value k0, ValueRange acc) {
                // The lanes' previous fragment reads are done before the
                // tile is overwritten, and its writes before it is read.
                syncWarp(b2, loc);
                dequantizeChunk(b2, loc, cb, k0);
                syncWarp(b2, loc);
                return multiplyChunk(b2, loc, cb, k0, acc);
              });
        });

    // Every warp is done with the tiles and codebooks (the partials alias
    // them); then each publishes its accumulators.
    gpu::BarrierOp::create(b, loc);
    for (int64_t mt = 0; mt < M / kTileM; ++mt)
      for (int64_t nt = 0; nt < Bt / kTileN; ++nt)
        for (int64_t i = 0; i < 4; ++i) {
          // c0, c1: row g, batch rows 2q, 2q + 1; c2, c3: row g + 8.
          Value m = e.add(group, e.index(mt * kTileM + (i >= 2 ? 8 : 0)));
          Value n = e.add(e.mul(quad, e.index(2)),
                          e.index(nt * kTileN + (i & 1)));
          memref::StoreOp::create(b, loc, accs[accIndex(mt, nt, i)], partials,
                                  ValueRange{warp, m, n});
        }
    gpu::BarrierOp::create(b, loc);
    emitFor(b, loc, tid, e.index(M * Bt), e.index(threads),
            [&](OpBuilder &nb, Value item) {
              emitEpilogue(nb, loc, partials, item);
            });
    gpu::ReturnOp::create(b, loc);
  }

private:
  int64_t numAccumulators() const {
    return tiling.getBlockRows() * cfg.vectorLen / kTileM *
           (tiling.getBatchTile() / kTileN) * 4;
  }
  int64_t accIndex(int64_t mt, int64_t nt, int64_t i) const {
    return (mt * (tiling.getBatchTile() / kTileN) + nt) * 4 + i;
  }

  void syncWarp(OpBuilder &b, Location loc) {
    NVVM::SyncWarpOp::create(b, loc, EmitContext{b, loc}.i32(-1));
  }

  /// Dequantizes the block's rows x k_chunk codes from column k0 of
  /// codebook cb into the warp's tile: lane L takes codes L, L + 32, ...
  /// (row-major over [block_rows][k_chunk]). All gathers are issued before
  /// the first store so that they are in flight together.
  void dequantizeChunk(OpBuilder &b, Location loc, Value cb, Value k0) {
    EmitContext e{b, loc};
    const int64_t R = tiling.getBlockRows(), Kc = tiling.getKChunk();
    const int64_t V = cfg.vectorLen;
    const int64_t perLane = ceilDiv(R * Kc, kWarpSize);
    Value colBase =
        e.add(e.index(cfg.outlierSize), e.mul(cb, e.index(cfg.groupSize)));
    auto vecType = VectorType::get({V}, b.getF32Type());
    Value zero = arith::ConstantOp::create(
        b, loc, vecType, DenseElementsAttr::get(vecType, 0.0f));
    struct Item {
      Value r, k, hi, lo;
    };
    SmallVector<Item> items;
    for (int64_t j = 0; j < perLane; ++j) {
      // Items past R * Kc (when it is not a multiple of 32) redo the last
      // one: the same value to the same place.
      Value item = e.min(e.add(lane, e.index(j * kWarpSize)),
                         e.index(R * Kc - 1));
      Value r = arith::DivUIOp::create(b, loc, item, e.index(Kc));
      Value k = arith::RemUIOp::create(b, loc, item, e.index(Kc));
      Value row = e.min(e.add(firstIndexRow, r),
                        e.index(cfg.numIndexRows() - 1));
      Value col = e.add(k0, k);
      Value safeCol = e.min(col, e.index(cfg.groupSize - 1));
      auto [idx, res] = wa.emitIndices(e, cb, row, safeCol);
      Value vec = SharedCodebooks::gather(e, cfg, codebooks.centroids,
                                          wa.values().centroids, cb, idx);
      if (res)
        vec = e.add(vec, SharedCodebooks::gather(
                             e, cfg, codebooks.resCentroids,
                             wa.values().resCentroids, cb, res));
      if (cfg.enableNorm) {
        Value p = wa.emitInputColumn(e, e.add(colBase, safeCol));
        Value scale = vector::BroadcastOp::create(
            b, loc, vecType, e.loadF32(wa.values().weightScale, {p}));
        Value shift = vector::BroadcastOp::create(
            b, loc, vecType, e.loadF32(wa.values().weightBias, {p}));
        vec = vector::FMAOp::create(b, loc, vec, scale, shift);
      }
      if (cfg.groupSize % Kc != 0)
        vec = emitSelect(b, loc,
                         cmp(b, loc, arith::CmpIPredicate::ult, col,
                             e.index(cfg.groupSize)),
                         vec, zero);
      auto modelVec = VectorType::get({V}, modelType);
      Value hi = e.fromF32(vec, modelVec), lo;
      if (split)
        lo = e.fromF32(arith::SubFOp::create(b, loc, vec, e.toF32(hi)),
                       modelVec);
      items.push_back({r, k, hi, lo});
    }
    const int64_t M = R * V;
    for (const Item &it : items)
      for (int64_t l = 0; l < V; ++l) {
        Value m = e.add(e.mul(it.r, e.index(V)), e.index(l));
        memref::StoreOp::create(
            b, loc,
            vector::ExtractOp::create(b, loc, it.hi, ArrayRef<int64_t>{l}),
            tiles, ValueRange{warp, m, it.k});
        if (split)
          memref::StoreOp::create(
              b, loc,
              vector::ExtractOp::create(b, loc, it.lo, ArrayRef<int64_t>{l}),
              tiles, ValueRange{warp, e.add(m, e.index(M)), it.k});
      }
  }

  /// Two consecutive model-type elements of `memref` at `indices` (the last
  /// one even) as an mma operand register: vector<2xf16>, or i32 for bf16.
  Value loadPair(const EmitContext &e, Value memref, ValueRange indices) {
    auto pairType = VectorType::get({2}, modelType);
    auto load = vector::LoadOp::create(e.b, e.loc, pairType, memref, indices);
    load.setAlignment(4);
    return toOperand(e, load);
  }

  Value toOperand(const EmitContext &e, Value pair) {
    if (modelType.isF16())
      return pair;
    Value word = vector::BitCastOp::create(
        e.b, e.loc, VectorType::get({1}, e.b.getI32Type()), pair);
    return vector::ExtractOp::create(e.b, e.loc, word, ArrayRef<int64_t>{0});
  }

  /// The activations x[row, columns[0]] and x[row, columns[1]] (input
  /// columns, after the permutation) as an mma operand.
  Value loadInputPair(const EmitContext &e, Value row,
                      ArrayRef<Value> columns) {
    if (!contiguousPairs()) {
      Value lo = memref::LoadOp::create(e.b, e.loc, x,
                                        ValueRange{row, columns[0]});
      Value hi = memref::LoadOp::create(e.b, e.loc, x,
                                        ValueRange{row, columns[1]});
      return toOperand(
          e, vector::FromElementsOp::create(
                 e.b, e.loc, VectorType::get({2}, modelType),
                 ValueRange{lo, hi}));
    }
    return loadPair(e, x, {row, columns[0]});
  }

  /// Whether activation columns c, c + 1 of an even chunk column c are
  /// adjacent and 4-byte aligned.
  bool contiguousPairs() const { return mmaReadsActivationPairs(cfg); }

  /// Multiplies the warp's tile (chunk at column k0 of codebook cb) with
  /// the activations: per 16-column step, mTiles x nTiles mma.sync.
  SmallVector<Value> multiplyChunk(OpBuilder &b, Location loc, Value cb,
                                   Value k0, ValueRange accIn) {
    EmitContext e{b, loc};
    const int64_t mTiles = tiling.getBlockRows() * cfg.vectorLen / kTileM;
    const int64_t nTiles = tiling.getBatchTile() / kTileN;
    SmallVector<Value> acc(accIn);
    Value colBase =
        e.add(e.index(cfg.outlierSize), e.mul(cb, e.index(cfg.groupSize)));
    Value twoQuad = e.mul(quad, e.index(2));
    auto resultType = LLVM::LLVMStructType::getLiteral(
        b.getContext(), SmallVector<Type>(4, b.getF32Type()));
    std::array<NVVM::MMATypes, 2> ptxTypes = {
        modelType.isF16() ? NVVM::MMATypes::f16 : NVVM::MMATypes::bf16,
        modelType.isF16() ? NVVM::MMATypes::f16 : NVVM::MMATypes::bf16};
    std::array<NVVM::MMALayout, 2> layouts = {NVVM::MMALayout::row,
                                              NVVM::MMALayout::col};
    for (int64_t ks = 0; ks < tiling.getKChunk() / kTileK; ++ks) {
      // A fragments: rows g and g + 8, columns 2q, 2q + 1 and + 8; the lo
      // parts' tiles follow the hi parts' (a[mTiles + mt]).
      const int64_t parts = split ? 2 : 1;
      SmallVector<SmallVector<Value>> a(parts * mTiles);
      for (int64_t t = 0; t < parts * mTiles; ++t)
        for (int64_t i = 0; i < 4; ++i) {
          Value m = e.add(group, e.index(t * kTileM + (i & 1 ? 8 : 0)));
          Value k = e.add(twoQuad, e.index(ks * kTileK + (i >= 2 ? 8 : 0)));
          a[t].push_back(loadPair(e, tiles, {warp, m, k}));
        }
      // The activation columns of B: 2q, 2q + 1, 2q + 8, 2q + 9 of the step.
      Value stepCol = e.add(e.add(colBase, k0), e.index(ks * kTileK));
      SmallVector<Value> columns;
      for (int64_t off : {0, 1, 8, 9}) {
        Value col = e.min(e.add(e.add(stepCol, twoQuad), e.index(off)),
                          e.index(cfg.inFeatures - 1));
        columns.push_back(contiguousPairs() ? col
                                            : wa.emitInputColumn(e, col));
      }
      if (contiguousPairs())
        for (int64_t i : {0, 2})
          columns[i] = e.min(columns[i], e.index(cfg.inFeatures - 2));
      for (int64_t nt = 0; nt < nTiles; ++nt) {
        // Batch tiles wholly past the batch are skipped (warp-uniform).
        Value tileStart = e.add(firstBatch, e.index(nt * kTileN));
        Value live = cmp(b, loc, arith::CmpIPredicate::ult, tileStart, batch);
        auto ifOp = scf::IfOp::create(
            b, loc, live,
            [&](OpBuilder &tb, Location) {
              EmitContext te{tb, loc};
              // B fragment: batch row g of the tile (clamped: rows past
              // the batch are computed and never stored).
              Value row = te.min(te.add(tileStart, group), lastBatch);
              SmallVector<Value> bFrag = {
                  loadInputPair(te, row, {columns[0], columns[1]}),
                  loadInputPair(te, row, {columns[2], columns[3]})};
              SmallVector<Value> results;
              for (int64_t mt = 0; mt < mTiles; ++mt) {
                SmallVector<Value> c;
                for (int64_t i = 0; i < 4; ++i)
                  c.push_back(acc[accIndex(mt, nt, i)]);
                for (int64_t part = 0; part < parts; ++part) {
                  Value d = NVVM::MmaOp::create(
                      tb, loc, resultType, a[part * mTiles + mt], bFrag, c,
                      ArrayRef<int64_t>{kTileM, kTileN, kTileK}, std::nullopt,
                      std::nullopt, ptxTypes, layouts);
                  for (int64_t i = 0; i < 4; ++i)
                    c[i] = LLVM::ExtractValueOp::create(tb, loc, d,
                                                        ArrayRef<int64_t>{i});
                }
                results.append(c);
              }
              scf::YieldOp::create(tb, loc, results);
            },
            [&](OpBuilder &eb, Location) {
              SmallVector<Value> same;
              for (int64_t mt = 0; mt < mTiles; ++mt)
                for (int64_t i = 0; i < 4; ++i)
                  same.push_back(acc[accIndex(mt, nt, i)]);
              scf::YieldOp::create(eb, loc, same);
            });
        for (int64_t mt = 0; mt < mTiles; ++mt)
          for (int64_t i = 0; i < 4; ++i)
            acc[accIndex(mt, nt, i)] = ifOp.getResult(mt * 4 + i);
      }
    }
    return acc;
  }

  /// Output element `item` of the block (row-major over [M][batch_tile]
  /// with the row fastest, so that stores coalesce): the warps' sums, the
  /// outlier columns and the bias.
  void emitEpilogue(OpBuilder &b, Location loc, Value partials, Value item) {
    EmitContext e{b, loc};
    const int64_t M = tiling.getBlockRows() * cfg.vectorLen;
    Value m = arith::RemUIOp::create(b, loc, item, e.index(M));
    Value n = arith::DivUIOp::create(b, loc, item, e.index(M));
    Value outRow = e.add(e.mul(firstIndexRow, e.index(cfg.vectorLen)), m);
    Value bj = e.add(firstBatch, n);
    Value inRange = andI(
        b, loc,
        cmp(b, loc, arith::CmpIPredicate::ult, outRow,
            e.index(cfg.outFeatures)),
        cmp(b, loc, arith::CmpIPredicate::ult, bj, batch));
    emitIf(b, loc, inRange, [&](OpBuilder &b1) {
      EmitContext e1{b1, loc};
      Value c0 = e1.index(0), c1 = e1.index(1);
      Value val = emitForAcc(
          b1, loc, c0, e1.index(tiling.getWarpsPerRow()), c1, {e1.f32(0)},
          [&](OpBuilder &b2, Value w, ValueRange acc) {
            Value v = memref::LoadOp::create(b2, loc, partials,
                                             ValueRange{w, m, n});
            return SmallVector<Value>{EmitContext{b2, loc}.add(acc[0], v)};
          })[0];
      if (cfg.hasOutliers())
        val = emitForAcc(
            b1, loc, c0, e1.index(cfg.outlierSize), c1, {val},
            [&](OpBuilder &b2, Value o, ValueRange acc) {
              EmitContext e2{b2, loc};
              Value p = wa.emitInputColumn(e2, o);
              Value w = wa.emitOutlierWeight(e2, outRow, o);
              if (cfg.enableNorm)
                w = e2.add(e2.mul(w, e2.loadF32(wa.values().weightScale, {p})),
                           e2.loadF32(wa.values().weightBias, {p}));
              return SmallVector<Value>{
                  e2.add(acc[0], e2.mul(e2.loadF32(x, {bj, p}), w))};
            })[0];
      emitStoreOutput(e1, val, bias, y, bj, outRow);
    });
  }

  LayerConfig cfg;
  WeightAccess wa;
  Type modelType;
  TilingAttr tiling;
  PlacementAttr placement;
  SharedMemoryLayout layout;
  /// Whether weights are multiplied as hi + lo parts (mmaSplitsWeights).
  bool split;
  Value x, y, bias;
  gpu::GPUFuncOp func;
  // Set while emitting.
  Value tid, warp, lane, group, quad, firstIndexRow, firstBatch, batch,
      lastBatch;
  SharedCodebooks codebooks;
  Value tiles;
};

} // namespace

FailureOr<int64_t> mlir::vptq::gpu_kernels::emitMmaMatmulKernel(
    MatmulOp op, KernelFunc &kernel, TilingAttr tiling,
    PlacementAttr placement, const TargetInfo &target) {
  LayerConfig c = op.getConfig().getLayerConfig();
  Type activation = getElementTypeOrSelf(op.getInput().getType());
  Type model = getElementTypeOrSelf(op.getCentroids().getType());
  if (!canUseTensorCores(target, activation, model))
    return op.emitOpError("tiling with mma = true needs tensor cores: an "
                          "NVIDIA sm_80 or newer chip (got ")
           << target.chip << ") and f16 or bf16 activations of the "
           << "codebooks' type (got " << activation << " and " << model
           << ")";
  if ((tiling.getBlockRows() * c.vectorLen) % kTileM != 0)
    return op.emitOpError("tiling with mma = true: block_rows x vector_len = ")
           << tiling.getBlockRows() << " x " << c.vectorLen
           << " must be a multiple of " << kTileM;
  if (placement.getCentroids() == CodebookPlacement::Registers ||
      placement.getResCentroids() == CodebookPlacement::Registers)
    return op.emitOpError("tiling with mma = true reads codebooks from "
                          "shared or global memory, not registers");
  if (auto outType = dyn_cast<MemRefType>(op.getInit().getType());
      !outType || !isa<FloatType>(outType.getElementType()))
    return op.emitOpError("expects a float output");
  MmaMatmulKernelEmitter emitter(op, kernel, tiling, placement);
  emitter.emit();
  return emitter.sharedBytes();
}
