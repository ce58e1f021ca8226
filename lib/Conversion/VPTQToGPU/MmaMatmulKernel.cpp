//===- MmaMatmulKernel.cpp - vptq.matmul on tensor cores ------------------===//
//
// The tensor-core form of the fused vptq.matmul kernel (#vptq.tiling with
// mma = true), for batches of several rows on NVIDIA sm_80 and newer.
//
// A block owns M = block_rows * V output rows (16-row mma tiles) and
// batch_tile batch rows. Its warps form a grid (getMmaWarpGrid): rowWarps
// along the rows, each with tilesPerWarp tiles, times colWarps along the
// columns, each walking its own chunks of k_chunk codes (chunk w,
// w + colWarps, ...) without block barriers. Per 16-column step a warp
//   1. dequantizes its A fragments straight into registers: the mma row
//      m (0..15) of a tile stands for the output row 2m (m < 8) or
//      2(m - 8) + 1, so lane (g, q) needs rows 2g and 2g + 1 of columns 2q,
//      2q + 1, 2q + 8 and 2q + 9: one 4-byte read of two adjacent elements
//      of a codebook vector (global or shared memory) per column, every
//      vector read exactly once by the warp (V must be even). The residual,
//      the norm (W * scale + bias of the input column) and the rounding to
//      the model type happen in f32, as vptq.dequant does;
//   2. multiplies: B fragments (16 columns x 8 batch rows) come straight
//      from the activations (permuted columns gathered), shared by the
//      warp's tiles and, through L1, by the warps along the rows, and
//      mma.sync.m16n8k16 accumulates in f32; batch tiles past the batch are
//      skipped.
// The column warps' accumulators are then summed through shared memory and
// the epilogue adds the outlier columns and the bias.
//
// With shared weights (#vptq.tiling shared_weights = true) the block instead
// dequantizes each chunk once into a shared weight tile (one thread per
// codebook vector, V contiguous elements of a column-major 16-row tile),
// its warps split rows x batch tiles and read both operands with ldmatrix
// (the weights transposed), and two pipeline stages overlap the next
// chunk's copies and loads with the multiply (emitSharedChunkLoop). With a
// permutation and one codebook group the chunks walk the input columns
// (mmaWalksInputColumns).
//
// On sm_90a a shared-weight tiling of whole warpgroups over 64-row tiles
// (mmaUsesWarpgroups) multiplies with wgmma.mma_async instead: both shared
// tiles are laid out as 8 x 8 core matrices of 128 contiguous bytes (the
// weights M-major: a core-matrix row is 8 output rows of one column, so a
// codebook vector of 8 is one 16-byte store; the activations K-major: a
// row is 8 columns of one batch row), read by the tensor cores through
// shared-memory descriptors without swizzling. Each chunk's wgmmas are
// issued asynchronously, and the warps dequantize the next chunk into the
// other stage while they run (emitWarpgroupChunkLoop).
//
// With register warpgroups (#vptq.tiling register_wgmma, sm_90a) there is
// no weight tile: the warpgroups split the rows into 64-row wgmma tiles,
// each warp dequantizes its 16 rows of each tile straight into wgmma's A
// registers (the register fragments above, in natural column order, from
// codes the block decodes once per chunk into shared memory), and the
// block copies the activations into K-major core matrices (B, read
// through descriptors), four stages deep; a chunk's wgmmas run while the
// block stages later chunks (emitRegisterWgmmaLoop).
//
//===----------------------------------------------------------------------===//

#include "MmaMatmulKernel.h"

#include "vptq/Transforms/Heuristics.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::vptq;
using namespace mlir::vptq::gpu_kernels;

namespace {

/// Rows, columns and batch rows of one mma.sync.m16n8k16.
constexpr int64_t kTileM = 16, kTileN = 8, kTileK = 16;

/// Registers a lane of a direct kernel may spend on the next chunk's
/// activations: 16 always; 32 (4 batch tiles of 64 columns, 8 of 32) when
/// its accumulators and A fragments take at most 128 and its block at most
/// 8 warps (255 registers per thread). Measured on an H100 (bench/results/
/// 2026-11-27-h100-batch64-tiles.md): such kernels ran up to 2.4x faster
/// with the prefetch (v8-k4096 at batch tiles of 32: the mma no longer
/// waits on the loads); heavier ones spilled and ran up to 13x slower.
constexpr int64_t kPrefetchedInputRegisters = 16;
constexpr int64_t kMaxPrefetchedInputRegisters = 32;
constexpr int64_t kMaxFragmentRegistersForPrefetch = 128;
constexpr int64_t kMaxWarpsForPrefetch = 8;

class MmaMatmulKernelEmitter {
public:
  MmaMatmulKernelEmitter(MatmulOp op, KernelFunc &kernel, TilingAttr tiling,
                         PlacementAttr placement, bool warpgroups)
      : cfg(op.getConfig().getLayerConfig()),
        wa(mapWeightAccess(op, kernel.args)), modelType(wa.modelType()),
        tiling(tiling), placement(placement),
        layout(getSharedMemoryLayout(cfg, modelType, tiling, placement,
                                     warpgroups)),
        grid(getMmaWarpGrid(cfg, tiling)), split(mmaSplitsWeights(cfg)),
        sharedWeights(tiling.getSharedWeights()), warpgroups(warpgroups),
        registerWgmma(tiling.getRegisterWgmma()),
        wgGrid(getWarpgroupGrid(cfg, tiling)),
        walksInputColumns(mmaWalksInputColumns(cfg, tiling)),
        direct(mmaReadsOperandsDirectly(cfg, tiling)),
        stagedDirect(direct && tiling.getStagedInputs()),
        stageWidth(walksInputColumns ? getNaturalInputCopyWidth(cfg)
                                     : getMmaInputCopyWidth(cfg)),
        groupThreads(sharedWeights ? tiling.getThreads()
                                   : grid.rowWarps * kThreadsPerWarp),
        x(kernel.args.lookup(op.getInput())),
        y(kernel.args.lookup(op.getInit())),
        bias(op.getBias() ? kernel.args.lookup(op.getBias()) : Value()),
        func(kernel.func) {}

  int64_t sharedBytes() const { return layout.total; }

  void emit() {
    OpBuilder b = OpBuilder::atBlockBegin(&func.getBody().front());
    Location loc = func.getLoc();
    EmitContext e{b, loc};
    const int64_t R = tiling.getBlockRows(), Bt = tiling.getBatchTile();
    const int64_t M = R * cfg.vectorLen;
    const int64_t threads = tiling.getThreads();

    tid = gpu::ThreadIdOp::create(b, loc, gpu::Dimension::x);
    warp = arith::DivUIOp::create(b, loc, tid, e.index(kThreadsPerWarp));
    rowWarp = arith::RemUIOp::create(b, loc, warp, e.index(grid.rowWarps));
    // With shared weights the warps past the row warps split the batch
    // tile; the block has one column group.
    if (sharedWeights) {
      batchWarp = arith::DivUIOp::create(b, loc, warp, e.index(grid.rowWarps));
      colWarp = e.index(0);
    } else {
      batchWarp = e.index(0);
      colWarp = arith::DivUIOp::create(b, loc, warp, e.index(grid.rowWarps));
    }
    lane = arith::RemUIOp::create(b, loc, tid, e.index(kThreadsPerWarp));
    group = arith::DivUIOp::create(b, loc, lane, e.index(4));
    quad = arith::RemUIOp::create(b, loc, lane, e.index(4));
    firstIndexRow = e.mul(gpu::BlockIdOp::create(b, loc, gpu::Dimension::x),
                          e.index(R));
    firstBatch = e.mul(gpu::BlockIdOp::create(b, loc, gpu::Dimension::y),
                       e.index(Bt));
    batch = memref::DimOp::create(b, loc, x, 0);
    lastBatch = arith::SubIOp::create(b, loc, batch, e.index(1));

    Value dsm = emitDynamicSharedMemory(b, loc);
    codebooks =
        SharedCodebooks::view(b, loc, dsm, layout, cfg, modelType, placement);
    if (codebooks.replicated || codebooks.resReplicated)
      laneCopy = emitLaneCopy(e);
    if (warpgroups) {
      // Core matrices: [stage][k / 8][batch row / 8][batch row % 8][k % 8]
      // and [stage * parts + part][k / 8][row / 8][k % 8][row % 8].
      const int64_t Kc = tiling.getKChunk();
      inputTiles = sharedView(b, loc, dsm, layout.inputs,
                              {layout.stages, Kc / 8, Bt / 8, 8, 8},
                              modelType);
      weightTiles = sharedView(
          b, loc, dsm, layout.weights,
          {layout.weightStages * (split ? 2 : 1), Kc / 8, M / 8, 8, 8},
          modelType);
      Value group4 = arith::DivUIOp::create(b, loc, warp, e.index(4));
      rowGroup = arith::RemUIOp::create(b, loc, group4,
                                        e.index(wgGrid.rowGroups));
      batchGroup = arith::DivUIOp::create(b, loc, group4,
                                          e.index(wgGrid.rowGroups));
      warpInGroup = arith::RemUIOp::create(b, loc, warp, e.index(4));
      Value base = arith::IndexCastUIOp::create(
          b, loc, b.getI64Type(),
          memref::ExtractAlignedPointerAsIndexOp::create(b, loc, dsm));
      weightsAddress = arith::AddIOp::create(
          b, loc, base, e.i64(layout.weights));
      inputsAddress = arith::AddIOp::create(
          b, loc, base, e.i64(layout.inputs));
    } else if (registerWgmma) {
      // [stage][k / 8][batch row / 8][batch row % 8][k % 8].
      inputTiles = sharedView(
          b, loc, dsm, layout.inputs,
          {layout.stages, tiling.getKChunk() / 8, Bt / 8, 8, 8}, modelType);
      inputsAddress = arith::AddIOp::create(
          b, loc,
          arith::IndexCastUIOp::create(
              b, loc, b.getI64Type(),
              memref::ExtractAlignedPointerAsIndexOp::create(b, loc, dsm)),
          e.i64(layout.inputs));
      codeTiles = sharedView(b, loc, dsm, layout.codes,
                             {kRegisterWgmmaCodeStages, tiling.getBlockRows(),
                              tiling.getKChunk() + kRegisterWgmmaCodePadding},
                             b.getI32Type());
      if (getRegisterWgmmaWordCopyWidth(cfg, tiling))
        wordRing = sharedView(
            b, loc, dsm, layout.packedWords,
            {kRegisterWgmmaWordStages, tiling.getBlockRows(), chunkWords()},
            b.getI32Type());
    } else if (!direct || stagedDirect) {
      inputTiles = sharedView(b, loc, dsm, layout.inputs,
                              {layout.stages, grid.colWarps, Bt,
                               layout.inputStride},
                              modelType);
    }
    groupThread = sharedWeights
                      ? tid
                      : e.add(e.mul(rowWarp, e.index(kThreadsPerWarp)), lane);
    if (sharedWeights && !warpgroups)
      weightTiles = sharedView(
          b, loc, dsm, layout.weights,
          {layout.stages * (split ? 2 : 1), tiling.getKChunk(),
           layout.weightStride},
          modelType);
    Value partials = sharedView(b, loc, dsm, layout.partials,
                                {grid.colWarps, M, Bt}, b.getF32Type());
    if (walksInputColumns) {
      // inversePerm[perm[j]] = j, read by every chunk after the codebook
      // group's barrier.
      inversePerm = sharedView(b, loc, dsm, layout.inversePerm,
                               {cfg.inFeatures}, b.getI16Type());
      emitFor(b, loc, tid, e.index(cfg.inFeatures), e.index(threads),
              [&](OpBuilder &fb, Value j) {
                EmitContext fe{fb, loc};
                Value column = arith::IndexCastUIOp::create(
                    fb, loc, fb.getI16Type(), j);
                memref::StoreOp::create(fb, loc, column, inversePerm,
                                        ValueRange{wa.emitInputColumn(fe, j)});
              });
    }

    Value c0 = e.index(0), c1 = e.index(1);
    SmallVector<Value> init(
        warpgroups ? wgGrid.accumulators : grid.accumulators, e.f32(0));
    SmallVector<Value> accs = emitForAcc(
        b, loc, c0, e.index(cfg.numCodebooks), c1, init,
        [&](OpBuilder &b1, Value cb, ValueRange accIn) {
          if (codebooks.any() || walksInputColumns) {
            // The previous codebook's readers must be done before its
            // shared copy is overwritten (and the inverse permutation
            // complete before any chunk reads it).
            gpu::BarrierOp::create(b1, loc);
            if (codebooks.any()) {
              codebooks.copyGroup(b1, loc, cfg, wa.values(), cb, tid,
                                  threads);
              gpu::BarrierOp::create(b1, loc);
            }
          }
          if (warpgroups)
            return emitWarpgroupChunkLoop(b1, loc, cb, accIn);
          if (registerWgmma)
            return emitRegisterWgmmaLoop(b1, loc, cb, accIn);
          if (sharedWeights)
            return emitSharedChunkLoop(b1, loc, cb, accIn);
          if (stagedDirect)
            return emitStagedDirectChunkLoop(b1, loc, cb, accIn);
          return direct ? emitDirectChunkLoop(b1, loc, cb, accIn)
                        : emitChunkLoop(b1, loc, cb, accIn);
        });

    // Every warp is done with the codebooks (the partials alias them);
    // then each publishes its accumulators.
    gpu::BarrierOp::create(b, loc);
    if (warpgroups) {
      publishWarpgroupAccumulators(e, accs, partials);
    } else {
      Value firstTile = e.mul(batchWarp, e.index(grid.batchTilesPerWarp));
      for (int64_t t = 0; t < grid.tilesPerWarp; ++t)
        for (int64_t nt = 0; nt < grid.batchTilesPerWarp; ++nt)
          for (int64_t i = 0; i < 4; ++i) {
            // c0, c1: mma row g, batch rows 2q, 2q + 1; c2, c3: mma row g + 8.
            // Register fragments interleave the rows (mma row g is output
            // row 2g, g + 8 is 2g + 1); shared weights keep them in order.
            Value m = sharedWeights
                          ? e.add(sharedTileRow(e, t), e.index(i >= 2 ? 8 : 0))
                          : e.add(tileRow(e, t), e.index(i >= 2 ? 1 : 0));
            Value n = e.add(
                e.add(e.mul(quad, e.index(2)),
                      e.mul(firstTile, e.index(kTileN))),
                e.index(nt * kTileN + (i & 1)));
            memref::StoreOp::create(b, loc, accs[accIndex(t, nt, i)], partials,
                                    ValueRange{colWarp, m, n});
          }
    }
    gpu::BarrierOp::create(b, loc);
    emitFor(b, loc, tid, e.index(M * Bt), e.index(threads),
            [&](OpBuilder &nb, Value item) {
              emitEpilogue(nb, loc, partials, item);
            });
    gpu::ReturnOp::create(b, loc);
  }

private:
  /// The copy of a replicated codebook (kCodebookCopies of 16-byte entries
  /// per 128-byte row) the lane reads, so that lanes of one wavefront that
  /// read different entries read different copies. Shared weights: each
  /// thread reads whole entries, 8 lanes a wavefront: lane mod 8. Register
  /// fragments: the lanes reading one entry (lane groups g of one vector,
  /// 4 / P of them) take one copy and read disjoint parts of it; quad q and
  /// the parity of the vector (g / (4 / P)) tell apart the 8 entries of a
  /// wavefront (32 lanes of 4 bytes with P = 1, 16 of 8 with P = 2, 8 of
  /// 16 with P = 4): q + 4 ((g P / 4) mod 2).
  Value emitLaneCopy(const EmitContext &e) const {
    if (sharedWeights)
      return arith::RemUIOp::create(e.b, e.loc, lane,
                                    e.index(kCodebookCopies));
    const int64_t lanesPerVector = 4 / grid.vectorTiles;
    Value vector = lanesPerVector == 1
                       ? group
                       : arith::DivUIOp::create(e.b, e.loc, group,
                                                e.index(lanesPerVector));
    Value parity = arith::RemUIOp::create(e.b, e.loc, vector, e.index(2));
    return e.add(quad, e.mul(parity, e.index(4)));
  }

  int64_t accIndex(int64_t t, int64_t nt, int64_t i) const {
    return (t * grid.batchTilesPerWarp + nt) * 4 + i;
  }

  /// The input column where codebook group cb's quantized columns start.
  Value groupColumn(const EmitContext &e, Value cb) const {
    return e.add(e.index(cfg.outlierSize), e.mul(cb, e.index(cfg.groupSize)));
  }

  /// The block-local first row of the warp's 16-row tile t:
  /// 16 x (rowWarp * tilesPerWarp + t).
  Value warpTileStart(const EmitContext &e, int64_t t) const {
    Value tile =
        e.add(e.mul(rowWarp, e.index(grid.tilesPerWarp)), e.index(t));
    return e.mul(tile, e.index(kTileM));
  }

  /// The block-local output row of mma row g of the warp's tile t with
  /// shared weights (rows in order): warpTileStart + g.
  Value sharedTileRow(const EmitContext &e, int64_t t) const {
    return e.add(warpTileStart(e, t), group);
  }

  /// The block-local output row of the lane's mma row g in the warp's tile
  /// t with register fragments: warpTileStart + 2g (mma row g + 8 is the
  /// next); with groups of P = grid.vectorTiles tiles, the group's start +
  /// 2Pg + 2 (t mod P).
  Value tileRow(const EmitContext &e, int64_t t) const {
    const int64_t P = grid.vectorTiles;
    return e.add(warpTileStart(e, t / P * P),
                 e.add(e.mul(group, e.index(2 * P)), e.index(2 * (t % P))));
  }

  /// The weights W[row, col] and W[row + 1, col] of quantized column `col`
  /// (of group cb, from column k0 of the step) as f32 pairs: rows `row` and
  /// `row + 1` (block-local, even) lie in one vector since V is even. Zero
  /// past the group.
  Value dequantizePair(const EmitContext &e, Value cb, Value row, Value col,
                       Value scale, Value shift) {
    auto [indexRow, first] = vectorRowOf(e, row);
    Value safeCol = e.min(col, e.index(cfg.groupSize - 1));
    auto [idx, res] = wa.emitIndices(e, cb, indexRow, safeCol);
    Value pair = gatherWeights(e, cb, idx, res, first, 2, scale, shift);
    if (cfg.groupSize % tiling.getKChunk() != 0) {
      auto type = VectorType::get({2}, e.b.getF32Type());
      Value zero = arith::ConstantOp::create(
          e.b, e.loc, type, DenseElementsAttr::get(type, 0.0f));
      pair = emitSelect(e.b, e.loc,
                        cmp(e.b, e.loc, arith::CmpIPredicate::ult, col,
                            e.index(cfg.groupSize)),
                        pair, zero);
    }
    return pair;
  }

  /// The index row (of the block's first, clamped to the last) and the
  /// first element in its vectors of block-local output row `row`.
  std::pair<Value, Value> vectorRowOf(const EmitContext &e, Value row) const {
    const int64_t V = cfg.vectorLen;
    Value indexRow = e.min(
        e.add(firstIndexRow, arith::DivUIOp::create(e.b, e.loc, row,
                                                    e.index(V))),
        e.index(cfg.numIndexRows() - 1));
    return {indexRow, arith::RemUIOp::create(e.b, e.loc, row, e.index(V))};
  }

  /// Elements first .. first + count - 1 of the weight vector of codes
  /// (idx, res) of group cb in f32: centroid plus residual, times `scale`
  /// plus `shift` (the norm: f32 values, broadcast, or vector<count x f32>;
  /// null without it).
  Value gatherWeights(const EmitContext &e, Value cb, Value idx, Value res,
                      Value first, int64_t count, Value scale, Value shift) {
    Value w = SharedCodebooks::gatherPart(
        e, cfg, codebooks.centroids, wa.values().centroids, cb, idx, first,
        count, codebooks.copyFor(false, laneCopy));
    if (res)
      w = e.add(w, SharedCodebooks::gatherPart(
                       e, cfg, codebooks.resCentroids,
                       wa.values().resCentroids, cb, res, first, count,
                       codebooks.copyFor(true, laneCopy)));
    if (!scale)
      return w;
    if (!isa<VectorType>(scale.getType())) {
      scale = vector::BroadcastOp::create(e.b, e.loc, w.getType(), scale);
      shift = vector::BroadcastOp::create(e.b, e.loc, w.getType(), shift);
    }
    return vector::FMAOp::create(e.b, e.loc, w, scale, shift);
  }

  /// The lo part of f32 weights `w` whose hi part (w rounded to the model
  /// type) is `hi`: w - hi, rounded to the model type.
  static Value lowPart(const EmitContext &e, Value w, Value hi) {
    return e.fromF32(arith::SubFOp::create(e.b, e.loc, w, e.toF32(hi)),
                     hi.getType());
  }

  /// Two model-type elements as an mma operand register: vector<2xf16>, or
  /// i32 for bf16.
  Value toOperand(const EmitContext &e, Value pair) {
    if (modelType.isF16())
      return pair;
    Value word = vector::BitCastOp::create(
        e.b, e.loc, VectorType::get({1}, e.b.getI32Type()), pair);
    return vector::ExtractOp::create(e.b, e.loc, word, ArrayRef<int64_t>{0});
  }

  /// Synchronizes the warps of the column group (the rowWarps warps that
  /// share an input tile): a warp sync, or named barrier 1 + colWarp.
  void syncGroup(OpBuilder &b, Location loc) {
    EmitContext e{b, loc};
    if (grid.rowWarps == 1) {
      NVVM::SyncWarpOp::create(b, loc, e.i32(-1));
      return;
    }
    Value id = arith::IndexCastUIOp::create(
        b, loc, b.getI32Type(), e.add(colWarp, e.index(1)));
    NVVM::BarrierOp::create(b, loc, TypeRange{}, id,
                            e.i32(grid.rowWarps * kThreadsPerWarp),
                            NVVM::BarrierReductionAttr(), Value());
  }

  /// The column group's chunks of codebook group cb: chunk colWarp,
  /// colWarp + colWarps, ... (see multiplyChunk).
  SmallVector<Value> emitChunkLoop(OpBuilder &b, Location loc, Value cb,
                                   ValueRange accIn) {
    EmitContext e{b, loc};
    const int64_t Kc = tiling.getKChunk();
    return emitForAcc(b, loc, e.mul(colWarp, e.index(Kc)),
                      e.index(cfg.groupSize), e.index(grid.colWarps * Kc),
                      accIn, [&](OpBuilder &lb, Value k0, ValueRange acc) {
                        return multiplyChunk(lb, loc, cb, k0, acc);
                      });
  }

  /// One chunk at column k0 of codebook group cb: the column group stages
  /// the chunk's activations into its input tile (asynchronously where
  /// possible) while each warp gathers the A fragments of all the chunk's
  /// 16-column steps, then multiplies step by step. (Double-buffering the
  /// tile to prefetch the next chunk during the multiply measured 10-30 %
  /// slower on an H100: bench/results/2026-11-23-h100-gemm-prompt.md.)
  SmallVector<Value> multiplyChunk(OpBuilder &b, Location loc, Value cb,
                                   Value k0, ValueRange accIn) {
    EmitContext e{b, loc};
    const int64_t Kc = tiling.getKChunk();
    // The group's previous reads of the tile are done before it is
    // overwritten.
    syncGroup(b, loc);
    Value colBase = groupColumn(e, cb);
    Value copies = stageInputs(e, e.add(colBase, k0), e.index(0));
    SmallVector<Value> a = dequantizeChunk(e, cb, k0);
    if (copies)
      waitInputs(e, copies, /*pending=*/0);
    // Every thread's part of the tile is in place before any reads it.
    syncGroup(b, loc);
    SmallVector<Value> acc(accIn);
    const int64_t perStep = a.size() / (Kc / kTileK);
    for (int64_t ks = 0; ks < Kc / kTileK; ++ks)
      acc = multiplyStep(e, ArrayRef<Value>(a).slice(ks * perStep, perStep),
                         ks, e.index(0), e.index(0), acc);
    return acc;
  }

  /// The chunks of codebook group cb with shared weights, software
  /// pipelined over two stages of shared buffers: while the warps multiply
  /// chunk i (stage i mod 2), the block stages chunk i + 1's activations
  /// into the other stage (asynchronous copies), gathers its codebook
  /// vectors with the indices loaded one chunk earlier, loads chunk
  /// i + 2's indices, and after the multiply stores the vectors; one block
  /// barrier per chunk. Global-memory latency (index and L2 codebook reads)
  /// thus overlaps the tensor-core work.
  SmallVector<Value> emitSharedChunkLoop(OpBuilder &b, Location loc, Value cb,
                                         ValueRange accIn) {
    EmitContext e{b, loc};
    const int64_t Kc = tiling.getKChunk();
    // Walking the input columns, chunk columns are input columns.
    Value colBase =
        walksInputColumns
            ? e.index(0)
            : groupColumn(e, cb);
    // Prologue: chunk 0 into stage 0, chunk 1's indices.
    Value copies = stageInputs(e, colBase, e.index(0));
    storeChunk(e, gatherChunk(e, cb, e.index(0),
                              loadChunkIndices(e, cb, e.index(0))),
               e.index(0));
    SmallVector<Value> next = loadChunkIndices(e, cb, e.index(Kc));
    if (copies)
      waitInputs(e, copies, /*pending=*/0);
    gpu::BarrierOp::create(b, loc);
    const size_t numAcc = accIn.size();
    SmallVector<Value> init(accIn);
    init.append(next);
    SmallVector<Value> results = emitForAcc(
        b, loc, e.index(0), e.index(chunkColumns()), e.index(Kc), init,
        [&](OpBuilder &lb, Value k0, ValueRange carried) {
          EmitContext le{lb, loc};
          Value stage = arith::RemUIOp::create(
              lb, loc, arith::DivUIOp::create(lb, loc, k0, le.index(Kc)),
              le.index(2));
          Value other = arith::SubIOp::create(lb, loc, le.index(1), stage);
          // Past the group's last chunk these read clamped columns into
          // the idle stage, which nothing multiplies.
          Value k1 = le.add(k0, le.index(Kc));
          Value nextCopies = stageInputs(le, le.add(colBase, k1), other);
          SmallVector<Value> vectors = gatherChunk(
              le, cb, k1, SmallVector<Value>(carried.drop_front(numAcc)));
          SmallVector<Value> after =
              loadChunkIndices(le, cb, le.add(k1, le.index(Kc)));
          SmallVector<Value> acc(carried.take_front(numAcc));
          Value firstTile =
              le.mul(batchWarp, le.index(grid.batchTilesPerWarp));
          for (int64_t ks = 0; ks < Kc / kTileK; ++ks)
            acc = multiplyStep(le, loadWeightFragments(le, ks, stage), ks,
                               stage, firstTile, acc);
          storeChunk(le, vectors, other);
          if (nextCopies)
            waitInputs(le, nextCopies, /*pending=*/0);
          // Stage `other` is complete, and every warp is done with `stage`
          // before the next chunk overwrites it.
          gpu::BarrierOp::create(lb, loc);
          acc.append(after);
          return acc;
        });
    results.resize(numAcc);
    return results;
  }

  /// The chunks of codebook group cb multiplied by warpgroups
  /// (mmaUsesWarpgroups), software pipelined: activations are copied two
  /// chunks ahead into kWarpgroupInputStages stages, codebook vectors
  /// loaded a chunk ahead (and their index words two chunks ahead) into
  /// registers and stored into kWarpgroupWeightStages weight stages, and
  /// one chunk's wgmmas stay in flight while the next chunk's are issued.
  /// Iteration i issues chunk i's wgmmas (asynchronously), copies chunk
  /// i + 2's activations, stores chunk i + 1's vectors (loaded during
  /// iteration i - 1), waits for chunk i + 1's copies and makes its shared
  /// writes visible to the tensor cores (fence.proxy.async, which also
  /// waits for the thread's outstanding loads: the next loads come after
  /// it); then it decodes chunk i + 2's indices and issues its codebook
  /// loads and chunk i + 3's index loads, which stay in flight across the
  /// block barrier, and waits for chunk i - 1's wgmmas (they read the
  /// stages iteration i + 1 overwrites) before the barrier.
  SmallVector<Value> emitWarpgroupChunkLoop(OpBuilder &b, Location loc,
                                            Value cb, ValueRange accIn) {
    EmitContext e{b, loc};
    const int64_t Kc = tiling.getKChunk();
    const int64_t inputStages = layout.stages;
    const int64_t weightStages = layout.weightStages;
    Value colBase = walksInputColumns ? e.index(0) : groupColumn(e, cb);
    // Prologue: chunks 0 and 1's activations, chunk 0's vectors, chunk 1's
    // loads and chunk 2's index words.
    Value copies = stageInputs(e, colBase, e.index(0));
    Value nextCopies = stageInputs(e, e.add(colBase, e.index(Kc)), e.index(1));
    storeChunk(e, gatherChunk(e, cb, e.index(0),
                              loadChunkIndices(e, cb, e.index(0))),
               e.index(0));
    SmallVector<Value> raw = gatherRawChunk(
        e, cb, e.index(Kc), loadChunkIndices(e, cb, e.index(Kc)));
    SmallVector<Value> words = loadChunkIndexWords(e, cb, e.index(2 * Kc));
    publishCopies(e, nextCopies);
    gpu::BarrierOp::create(b, loc);
    const size_t numAcc = accIn.size(), numRaw = raw.size();
    SmallVector<Value> init(accIn);
    init.append(raw);
    init.append(words);
    SmallVector<Value> results = emitForAcc(
        b, loc, e.index(0), e.index(chunkColumns()), e.index(Kc), init,
        [&](OpBuilder &lb, Value k0, ValueRange carried) {
          EmitContext le{lb, loc};
          auto stageOf = [&](int64_t ahead, int64_t stages) {
            return chunkStage(le, k0, ahead, stages);
          };
          SmallVector<Value> acc = multiplyWarpgroups(
              le, stageOf(0, weightStages), stageOf(0, inputStages),
              carried.take_front(numAcc));
          // Past the group's last chunk these read clamped columns into
          // stages that nothing multiplies.
          Value k1 = le.add(k0, le.index(Kc));
          Value k2 = le.add(k1, le.index(Kc));
          Value copies2 =
              stageInputs(le, le.add(colBase, k2), stageOf(2, inputStages));
          storeChunk(le,
                     finishChunk(le, k1, SmallVector<Value>(carried.slice(
                                             numAcc, numRaw))),
                     stageOf(1, weightStages));
          publishCopies(le, copies2);
          SmallVector<Value> rawAfter = gatherRawChunk(
              le, cb, k2,
              decodeChunkIndices(le, SmallVector<Value>(carried.drop_front(
                                         numAcc + numRaw))));
          SmallVector<Value> wordsAfter =
              loadChunkIndexWords(le, cb, le.add(k2, le.index(Kc)));
          NVVM::WgmmaWaitGroupSyncOp::create(lb, loc, 1);
          gpu::BarrierOp::create(lb, loc);
          acc.append(rawAfter);
          acc.append(wordsAfter);
          return acc;
        });
    return drainWarpgroups(e, copies, results, numAcc);
  }

  /// The stage of `stages` that the chunk `ahead` chunks after the one at
  /// column k0 uses: (k0 / k_chunk + ahead) mod stages.
  Value chunkStage(const EmitContext &e, Value k0, int64_t ahead,
                   int64_t stages) const {
    Value chunk =
        arith::DivUIOp::create(e.b, e.loc, k0, e.index(tiling.getKChunk()));
    return arith::RemUIOp::create(e.b, e.loc, e.add(chunk, e.index(ahead)),
                                  e.index(stages));
  }

  /// Warpgroup pipelines: waits until only the newest group of input
  /// copies, `newest` (null: none were asynchronous), is in flight, then
  /// makes the thread's shared writes visible to the tensor cores.
  void publishCopies(const EmitContext &e, Value newest) {
    if (newest)
      waitInputs(e, newest, /*pending=*/1);
    fenceAsyncProxy(e.b, e.loc);
  }

  /// Ends a warpgroup pipeline: the last chunk's wgmmas and every copy in
  /// flight (`copies`, any token of the kernel's: the wait takes all
  /// groups) complete before the accumulators are read or the shared memory
  /// reused. Returns the accumulators, the first numAcc of the loop's
  /// `results`.
  SmallVector<Value> drainWarpgroups(const EmitContext &e, Value copies,
                                     SmallVector<Value> results,
                                     size_t numAcc) {
    NVVM::WgmmaWaitGroupSyncOp::create(e.b, e.loc, 0);
    if (copies)
      nvgpu::DeviceAsyncWaitOp::create(e.b, e.loc, copies,
                                       e.b.getI32IntegerAttr(0));
    results.resize(numAcc);
    return results;
  }

  /// Orders the thread's earlier shared-memory writes (generic proxy)
  /// before the tensor cores' reads of them (async proxy).
  static void fenceAsyncProxy(OpBuilder &b, Location loc) {
    NVVM::FenceProxyOp::create(
        b, loc, NVVM::ProxyKind::async_shared,
        NVVM::SharedSpaceAttr::get(b.getContext(),
                                   NVVM::SharedSpace::shared_cta));
  }

  /// The shared-memory matrix descriptor of core matrices from byte
  /// `address` (i64): no swizzling, `leading` bytes between core matrices
  /// along K and `stride` bytes along M or N (all in 16-byte units).
  static Value matrixDescriptor(const EmitContext &e, Value address,
                                int64_t leading, int64_t stride) {
    Value start = arith::AndIOp::create(
        e.b, e.loc, arith::ShRUIOp::create(e.b, e.loc, address, e.i64(4)),
        e.i64(0x3FFF));
    const int64_t fields = ((leading >> 4) << 16) | ((stride >> 4) << 32);
    return arith::OrIOp::create(e.b, e.loc, start, e.i64(fields));
  }

  /// The shared address (i64) of input stage `stage`'s K-major core
  /// matrices, from byte `offset` (index; null: 0) within the stage.
  Value inputStageAddress(const EmitContext &e, Value stage,
                          Value offset) const {
    const int64_t stageBytes =
        (tiling.getKChunk() / 8) * (tiling.getBatchTile() / 8) * 128;
    Value bytes = e.mul(stage, e.index(stageBytes));
    if (offset)
      bytes = e.add(bytes, offset);
    return e.add(inputsAddress, arith::IndexCastUIOp::create(
                                    e.b, e.loc, e.b.getI64Type(), bytes));
  }

  /// The descriptor of a wgmma's B operand (activations) for 16-column
  /// step `step` from the input-stage address `base` (inputStageAddress):
  /// batch_tile * 16 bytes between core matrices along K, 128 along N.
  Value inputDescriptor(const EmitContext &e, Value base, int64_t step) const {
    const int64_t rowBlocks = tiling.getBatchTile() / 8;
    return matrixDescriptor(e, e.add(base, e.i64(2 * step * rowBlocks * 128)),
                            rowBlocks * 128, 128);
  }

  /// Issues the warpgroup's wgmmas of the chunk in weight stage
  /// `weightStage` and input stage `inputStage`: per
  /// 16-column step, part and 64-row tile, one wgmma.m64nNk16 (N = the
  /// group's batch columns) accumulating into that tile's accumulators,
  /// then commits them as one group (the caller waits for it).
  SmallVector<Value> multiplyWarpgroups(const EmitContext &e,
                                        Value weightStage, Value inputStage,
                                        ValueRange accIn) {
    OpBuilder &b = e.b;
    Location loc = e.loc;
    const int64_t Kc = tiling.getKChunk();
    const int64_t M = tiling.getBlockRows() * cfg.vectorLen;
    const int64_t parts = split ? 2 : 1, T = wgGrid.rowTiles;
    const int64_t N = wgGrid.batchColumns, perTile = N / 2;
    const int64_t coreBytes = 128;
    // Bytes of one part of a weight stage and of an input stage.
    const int64_t weightPartBytes = (Kc / 8) * (M / 8) * coreBytes;
    auto toI64 = [&](Value v) {
      return arith::IndexCastUIOp::create(b, loc, b.getI64Type(), v)
          .getResult();
    };
    // The group's first core matrix of stage `stage`, step 0, tile 0.
    Value aBase = e.add(
        weightsAddress,
        toI64(e.add(e.mul(weightStage, e.index(parts * weightPartBytes)),
                    e.mul(rowGroup, e.index(T * 8 * coreBytes)))));
    Value bBase = inputStageAddress(
        e, inputStage, e.mul(batchGroup, e.index(N / 8 * coreBytes)));
    auto structType = LLVM::LLVMStructType::getLiteral(
        b.getContext(), SmallVector<Type>(perTile, b.getF32Type()));
    NVVM::WGMMATypes type = modelType.isF16() ? NVVM::WGMMATypes::f16
                                              : NVVM::WGMMATypes::bf16;
    NVVM::WgmmaFenceAlignedOp::create(b, loc);
    SmallVector<Value> acc(accIn);
    for (int64_t ks = 0; ks < Kc / kTileK; ++ks) {
      Value descB = inputDescriptor(e, bBase, ks);
      for (int64_t part = 0; part < parts; ++part)
        for (int64_t t = 0; t < T; ++t) {
          Value descA = matrixDescriptor(
              e,
              e.add(aBase, e.i64(part * weightPartBytes +
                                 2 * ks * (M / 8) * coreBytes +
                                 t * 8 * coreBytes)),
              M * 16, coreBytes);
          Value inouts = LLVM::UndefOp::create(b, loc, structType);
          for (int64_t i = 0; i < perTile; ++i)
            inouts = LLVM::InsertValueOp::create(b, loc, inouts,
                                                 acc[t * perTile + i], i);
          Value d = NVVM::WgmmaMmaAsyncOp::create(
              b, loc, structType, inouts, descA, descB,
              NVVM::MMAShapeAttr::get(b.getContext(), 64, N, kTileK), type,
              type, NVVM::WGMMATypes::f32, NVVM::WGMMAScaleOut::one,
              NVVM::WGMMAScaleIn::one, NVVM::WGMMAScaleIn::one,
              NVVM::MMALayout::col, NVVM::MMALayout::col,
              NVVM::MMAIntOverflowAttr());
          for (int64_t i = 0; i < perTile; ++i)
            acc[t * perTile + i] = LLVM::ExtractValueOp::create(
                b, loc, d, ArrayRef<int64_t>{i});
        }
    }
    NVVM::WgmmaGroupSyncAlignedOp::create(b, loc);
    return acc;
  }

  /// Stores the warpgroup's accumulators into `partials` [1][M][Bt]: in
  /// each 64-row tile warp w of the group holds rows 16w + g and
  /// 16w + g + 8, and per 8 batch columns j the columns 8j + 2q, 8j + 2q + 1
  /// (registers 4j .. 4j + 3, as an m16n8 tile of mma.sync).
  void publishWarpgroupAccumulators(const EmitContext &e, ArrayRef<Value> accs,
                                    Value partials) {
    const int64_t T = wgGrid.rowTiles, N = wgGrid.batchColumns;
    Value warpRow = e.add(e.mul(warpInGroup, e.index(16)), group);
    Value firstColumn = e.add(e.mul(batchGroup, e.index(N)),
                              e.mul(quad, e.index(2)));
    for (int64_t t = 0; t < T; ++t) {
      Value tileRow = e.add(
          e.mul(e.add(e.mul(rowGroup, e.index(T)), e.index(t)), e.index(64)),
          warpRow);
      for (int64_t j = 0; j < N / 8; ++j)
        for (int64_t i = 0; i < 4; ++i) {
          Value m = e.add(tileRow, e.index(i >= 2 ? 8 : 0));
          Value n = e.add(firstColumn, e.index(8 * j + (i & 1)));
          memref::StoreOp::create(e.b, e.loc, accs[t * (N / 2) + 4 * j + i],
                                  partials, ValueRange{e.index(0), m, n});
        }
    }
  }

  /// The thread's codebook vectors of the block's chunk (index row r,
  /// column k; k fastest, so index reads coalesce): item i is vector
  /// tid + i * threads; threads past the last vector redo it.
  std::pair<Value, Value> chunkItem(const EmitContext &e, int64_t i) const {
    const int64_t Kc = tiling.getKChunk(), threads = tiling.getThreads();
    const int64_t items = tiling.getBlockRows() * Kc;
    Value item = e.add(tid, e.index(i * threads));
    if ((i + 1) * threads > items)
      item = e.min(item, e.index(items - 1));
    return {arith::DivUIOp::create(e.b, e.loc, item, e.index(Kc)),
            arith::RemUIOp::create(e.b, e.loc, item, e.index(Kc))};
  }

  /// Whether the input tiles are K-major core matrices for wgmma.
  bool coreMatrixInputs() const { return warpgroups || registerWgmma; }

  //===--------------------------------------------------------------------===//
  // Register warpgroups (#vptq.tiling register_wgmma)
  //===--------------------------------------------------------------------===//

  /// The chunks of codebook group cb multiplied by register warpgroups,
  /// software pipelined: activations are copied two chunks ahead into
  /// layout.stages (4) stages; each chunk's codes are decoded once per
  /// block (one thread per code, as with shared weights) into
  /// kRegisterWgmmaCodeStages code stages a chunk ahead, from which the
  /// lanes read theirs. The packed code words come, with wordRing, from a
  /// ring of kRegisterWgmmaWordStages chunks the block copies
  /// asynchronously four chunks ahead (a copy group per chunk, after its
  /// activations'); otherwise from registers loaded three chunks ahead.
  /// Iteration i dequantizes chunk i into A registers, issues its wgmmas
  /// (asynchronously), waits for chunk i + 1's copies and fences them for
  /// the tensor cores, decodes the next codes, and waits for its wgmmas
  /// before the block barrier. The fence waits for the thread's
  /// outstanding loads and copies: register loads, and with the ring the
  /// next chunks' copies, come after it. Every wgmma input is defined
  /// before the chunk's wgmma.fence and no fragment is carried across
  /// iterations: otherwise ptxas serializes the wgmmas (C7513). Measured on
  /// an H100: bench/results/2026-11-30-h100-register-wgmma.md (overlapping
  /// a chunk's wgmmas with the next chunk's dequantization, in alternating
  /// registers, ran slower).
  SmallVector<Value> emitRegisterWgmmaLoop(OpBuilder &b, Location loc, Value cb,
                                           ValueRange accIn) {
    EmitContext e{b, loc};
    const int64_t Kc = tiling.getKChunk(), stages = layout.stages;
    const int64_t codeStages = kRegisterWgmmaCodeStages;
    const int64_t wordStages = kRegisterWgmmaWordStages;
    Value colBase = groupColumn(e, cb);
    Value copies = stageInputs(e, colBase, e.index(0));
    Value nextCopies = stageInputs(e, e.add(colBase, e.index(Kc)), e.index(1));
    SmallVector<Value> init(accIn);
    const size_t numAcc = accIn.size();
    Value words;
    if (wordRing) {
      // Chunks 0-3's words; everything lands before chunk 0's codes.
      for (int64_t c = 0; c < wordStages; ++c)
        words = copyChunkWords(e, cb, e.index(c * Kc), e.index(c));
      nvgpu::DeviceAsyncWaitOp::create(b, loc, words, b.getI32IntegerAttr(0));
      gpu::BarrierOp::create(b, loc);
      storeRingCodes(e, e.index(0), e.index(0), e.index(0));
      fenceAsyncProxy(b, loc);
    } else {
      storeChunkCodes(e, loadChunkIndexWords(e, cb, e.index(0)), e.index(0));
      storeChunkCodes(e, loadChunkIndexWords(e, cb, e.index(Kc)), e.index(1));
      init.append(loadChunkIndexWords(e, cb, e.index(2 * Kc)));
      publishCopies(e, nextCopies);
    }
    gpu::BarrierOp::create(b, loc);
    SmallVector<Value> results = emitForAcc(
        b, loc, e.index(0), e.index(cfg.groupSize), e.index(Kc), init,
        [&](OpBuilder &lb, Value k0, ValueRange carried) {
          EmitContext le{lb, loc};
          auto stageOf = [&](int64_t ahead, int64_t count) {
            return chunkStage(le, k0, ahead, count);
          };
          SmallVector<Value> a = dequantizeLaneChunk(
              le, cb, k0, loadLaneCodes(le, stageOf(0, codeStages)));
          SmallVector<Value> acc = multiplyRegisterWarpgroups(
              le, stageOf(0, stages), a, carried.take_front(numAcc));
          // Past the group's last chunk these read clamped columns into
          // stages that nothing multiplies.
          Value k2 = le.add(k0, le.index(2 * Kc));
          if (wordRing) {
            // Only chunk i + 3's words (the newest group) stay in flight:
            // chunk i + 1's activations are fenced for the tensor cores and
            // chunk i + 2's words are complete for the next iteration. The
            // fence waits for every copy in flight, so the next copies
            // come after it: chunk i + 2's activations and chunk i + 4's
            // words, into the ring stage chunk i's left (decoded in
            // iteration i - 1).
            nvgpu::DeviceAsyncWaitOp::create(lb, loc, words,
                                             lb.getI32IntegerAttr(1));
            fenceAsyncProxy(lb, loc);
            stageInputs(le, le.add(colBase, k2), stageOf(2, stages));
            copyChunkWords(le, cb, le.add(k0, le.index(wordStages * Kc)),
                           stageOf(0, wordStages));
            storeRingCodes(le, stageOf(1, wordStages), stageOf(1, codeStages),
                           le.add(k0, le.index(Kc)));
          } else {
            Value copies2 =
                stageInputs(le, le.add(colBase, k2), stageOf(2, stages));
            publishCopies(le, copies2);
            // Chunk i + 2's codes from the words loaded an iteration ago,
            // and chunk i + 3's loads.
            storeChunkCodes(le, SmallVector<Value>(carried.drop_front(numAcc)),
                            stageOf(2, codeStages));
            llvm::append_range(
                acc, loadChunkIndexWords(le, cb, le.add(k2, le.index(Kc))));
          }
          NVVM::WgmmaWaitGroupSyncOp::create(lb, loc, 0);
          gpu::BarrierOp::create(lb, loc);
          return acc;
        });
    // The ring's copies past the group's end are in flight even where the
    // activations are staged without copies (a permutation gathers them):
    // they must land before the partials, which alias the ring, are
    // written.
    return drainWarpgroups(e, copies ? copies : words, results, numAcc);
  }

  /// Packed code words per index row of a chunk: k_chunk * bits / 32.
  int64_t chunkWords() const {
    return tiling.getKChunk() * (cfg.indexBits + cfg.resIndexBits) / 32;
  }

  /// Copies the packed code words of the block's index rows for the chunk
  /// at column k0 of group cb (past the row's end: its last words) into
  /// stage `stage` of the word ring, as one group of asynchronous copies of
  /// getRegisterWgmmaWordCopyWidth words; returns its token.
  Value copyChunkWords(const EmitContext &e, Value cb, Value k0, Value stage) {
    const int64_t w = getRegisterWgmmaWordCopyWidth(cfg, tiling);
    const int64_t R = tiling.getBlockRows(), perRow = chunkWords() / w;
    const int64_t threads = tiling.getThreads(), items = R * perRow;
    const int64_t bits = cfg.indexBits + cfg.resIndexBits;
    Value firstWord = arith::DivUIOp::create(
        e.b, e.loc, e.mul(k0, e.index(bits)), e.index(32));
    return emitCopyGroup(e, tid, threads, items, [&](Value item) {
      Value r = arith::DivUIOp::create(e.b, e.loc, item, e.index(perRow));
      Value piece =
          e.mul(arith::RemUIOp::create(e.b, e.loc, item, e.index(perRow)),
                e.index(w));
      Value row =
          e.min(e.add(firstIndexRow, r), e.index(cfg.numIndexRows() - 1));
      Value src =
          e.min(e.add(firstWord, piece), e.index(cfg.packedWordsPerRow() - w));
      return emitAsyncCopy(e, wordRing, ValueRange{stage, r, piece},
                           wa.values().indices, ValueRange{cb, row, src}, w,
                           Value());
    });
  }

  /// One group of asynchronous copies: threads `thread` + i * `threads`
  /// take work items 0 .. items - 1 (items past the last redo it), `copy`
  /// issues an item's copy and returns its token. Returns the group's.
  static Value emitCopyGroup(const EmitContext &e, Value thread,
                             int64_t threads, int64_t items,
                             function_ref<Value(Value)> copy) {
    SmallVector<Value> tokens;
    for (int64_t i = 0; i < ceilDiv(items, threads); ++i)
      tokens.push_back(
          copy(e.min(e.add(thread, e.index(i * threads)), e.index(items - 1))));
    return nvgpu::DeviceAsyncCreateGroupOp::create(
        e.b, e.loc, nvgpu::DeviceAsyncTokenType::get(e.b.getContext()),
        tokens);
  }

  /// An asynchronous copy of `count` elements from src[srcIndices] to
  /// dst[dstIndices] (`srcElements` of them read when set, the rest
  /// zero-filled), bypassing L1 when it moves 16 bytes; returns its token.
  static Value emitAsyncCopy(const EmitContext &e, Value dst,
                             ValueRange dstIndices, Value src,
                             ValueRange srcIndices, int64_t count,
                             Value srcElements) {
    const int64_t bytes =
        count * cast<MemRefType>(src.getType()).getElementTypeBitWidth() / 8;
    return nvgpu::DeviceAsyncCopyOp::create(
        e.b, e.loc, nvgpu::DeviceAsyncTokenType::get(e.b.getContext()), dst,
        dstIndices, src, srcIndices, e.b.getIndexAttr(count), srcElements,
        bytes == 16 ? e.b.getUnitAttr() : UnitAttr());
  }

  /// Decodes the thread's codes of the chunk at column k0 from word-ring
  /// stage `stage` into code stage `codeStage` (res << index_bits | idx;
  /// columns past the group get code 0).
  void storeRingCodes(const EmitContext &e, Value stage, Value codeStage,
                      Value k0) {
    const int64_t bits = cfg.indexBits + cfg.resIndexBits;
    for (int64_t i = 0; i < chunkItems(); ++i) {
      auto [r, k] = chunkItem(e, i);
      Value code = emitExtractBits(e, wordRing, ValueRange{stage, r},
                                   e.mul(k, e.index(bits)), bits, chunkWords());
      if (cfg.groupSize % tiling.getKChunk() != 0)
        code = emitSelect(e.b, e.loc,
                          cmp(e.b, e.loc, arith::CmpIPredicate::ult,
                              e.add(k0, k), e.index(cfg.groupSize)),
                          code, e.i32(0));
      memref::StoreOp::create(e.b, e.loc, code, codeTiles,
                              ValueRange{codeStage, r, k});
    }
  }

  /// Stores the thread's codes of a chunk, decoded from `words`
  /// (loadChunkIndexWords), into code stage `stage`: res << index_bits |
  /// idx at [stage][index row][column].
  void storeChunkCodes(const EmitContext &e, ArrayRef<Value> words,
                       Value stage) {
    SmallVector<Value> indices = decodeChunkIndices(e, words);
    const int64_t perItem = cfg.hasResidual() ? 2 : 1;
    Type i32 = e.b.getI32Type();
    for (int64_t i = 0; i < chunkItems(); ++i) {
      auto [r, k] = chunkItem(e, i);
      Value code =
          arith::IndexCastUIOp::create(e.b, e.loc, i32, indices[i * perItem]);
      if (perItem == 2)
        code = arith::OrIOp::create(
            e.b, e.loc, code,
            arith::ShLIOp::create(
                e.b, e.loc,
                arith::IndexCastUIOp::create(e.b, e.loc, i32,
                                             indices[i * perItem + 1]),
                e.i32(cfg.indexBits)));
      memref::StoreOp::create(e.b, e.loc, code, codeTiles,
                              ValueRange{stage, r, k});
    }
  }

  /// The lane's codes of the chunk in code stage `stage`: per step, group
  /// of grid.vectorTiles tiles (one index row) and code j (mma columns 2q,
  /// 2q + 1, 2q + 8, 2q + 9), two adjacent ones per 8-byte read.
  SmallVector<Value> loadLaneCodes(const EmitContext &e, Value stage) {
    const int64_t T = grid.tilesPerWarp, P = grid.vectorTiles;
    SmallVector<Value> rows;
    for (int64_t t0 = 0; t0 < T; t0 += P)
      rows.push_back(arith::DivUIOp::create(e.b, e.loc, tileRow(e, t0),
                                            e.index(cfg.vectorLen)));
    auto pairType = VectorType::get({2}, e.b.getI32Type());
    SmallVector<Value> codes;
    for (int64_t s = 0; s < tiling.getKChunk() / kTileK; ++s)
      for (Value row : rows)
        for (int64_t h = 0; h < 2; ++h) {
          auto pair = vector::LoadOp::create(
              e.b, e.loc, pairType, codeTiles,
              ValueRange{stage, row, laneColumn(e, e.index(0), s, 2 * h)});
          pair.setAlignment(8);
          for (int64_t i = 0; i < 2; ++i)
            codes.push_back(vector::ExtractOp::create(e.b, e.loc, pair,
                                                      ArrayRef<int64_t>{i}));
        }
    return codes;
  }

  /// The group column of the lane's code j (0..3) of step s of the chunk at
  /// column k0: mma columns 2q, 2q + 1, 2q + 8, 2q + 9 of the step.
  Value laneColumn(const EmitContext &e, Value k0, int64_t s, int64_t j) {
    return e.add(e.add(k0, e.mul(quad, e.index(2))),
                 e.index(s * kTileK + (j & 1) + (j >= 2 ? 8 : 0)));
  }

  /// The A registers of the chunk at column k0 of group cb from the lane's
  /// codes (loadLaneCodes): per step, part and tile, the four registers of
  /// packFragment. Per group of P tiles and code, one read of the lane's 2P
  /// rows of the vector (tile p of the group takes elements 2p, 2p + 1);
  /// the residual, the norm and the hi / lo split as dequantizeStep; zero
  /// past the group.
  SmallVector<Value> dequantizeLaneChunk(const EmitContext &e, Value cb,
                                         Value k0, ArrayRef<Value> codes) {
    OpBuilder &b = e.b;
    Location loc = e.loc;
    const int64_t T = grid.tilesPerWarp, P = grid.vectorTiles;
    const int64_t steps = tiling.getKChunk() / kTileK;
    const bool partial = cfg.groupSize % tiling.getKChunk() != 0;
    Value colBase = groupColumn(e, cb);
    SmallVector<Value> a;
    int64_t at = 0;
    for (int64_t s = 0; s < steps; ++s) {
      SmallVector<Value> scales(4), shifts(4), inGroup(4);
      for (int64_t j = 0; j < 4; ++j) {
        Value col = laneColumn(e, k0, s, j);
        if (partial)
          inGroup[j] = cmp(b, loc, arith::CmpIPredicate::ult, col,
                           e.index(cfg.groupSize));
        if (cfg.enableNorm) {
          Value p = wa.emitInputColumn(
              e, e.min(e.add(colBase, col), e.index(cfg.inFeatures - 1)));
          scales[j] = e.loadF32(wa.values().weightScale, {p});
          shifts[j] = e.loadF32(wa.values().weightBias, {p});
        }
      }
      SmallVector<SmallVector<Value>> hi(T), lo(T);
      for (int64_t t0 = 0; t0 < T; t0 += P) {
        Value first = vectorRowOf(e, tileRow(e, t0)).second;
        for (int64_t j = 0; j < 4; ++j) {
          auto [idx, res] =
              emitSplitCode(e, codes[at++], cfg.indexBits, cfg.resIndexBits);
          appendGroupPairs(e, cb, idx, res, first, scales[j], shifts[j],
                           inGroup[j], t0, hi, lo);
        }
      }
      for (int64_t t = 0; t < T; ++t)
        for (Value reg : packFragment(e, hi[t]))
          a.push_back(asWord(e, reg));
      if (split)
        for (int64_t t = 0; t < T; ++t)
          for (Value reg : packFragment(e, lo[t]))
            a.push_back(asWord(e, reg));
    }
    return a;
  }

  /// For the code (idx, res) of a lane's group of P = grid.vectorTiles
  /// tiles from tile t0: one read of its 2P rows of the vector from element
  /// `first` (in the codebook's type), and pairs 2p, 2p + 1 appended to
  /// hi[t0 + p]; with split weights the f32 weights (residual, the norm's
  /// `scale` and `shift` when set) rounded into hi and their rounding error
  /// into lo[t0 + p]. Zero unless `inGroup` (when set).
  void appendGroupPairs(const EmitContext &e, Value cb, Value idx, Value res,
                        Value first, Value scale, Value shift, Value inGroup,
                        int64_t t0, SmallVectorImpl<SmallVector<Value>> &hi,
                        SmallVectorImpl<SmallVector<Value>> &lo) {
    const int64_t P = grid.vectorTiles;
    auto zeroUnlessInGroup = [&](Value v) {
      if (!inGroup)
        return v;
      auto type = cast<VectorType>(v.getType());
      return emitSelect(e.b, e.loc, inGroup, v,
                        arith::ConstantOp::create(
                            e.b, e.loc, type,
                            DenseElementsAttr::get(
                                type, e.b.getZeroAttr(type.getElementType()))));
    };
    if (!split) {
      Value v = zeroUnlessInGroup(SharedCodebooks::gatherPart(
          e, cfg, codebooks.centroids, wa.values().centroids, cb, idx, first,
          2 * P, codebooks.copyFor(false, laneCopy), /*widen=*/false));
      for (int64_t p = 0; p < P; ++p)
        hi[t0 + p].push_back(pairOf(e, v, p));
      return;
    }
    Value w = zeroUnlessInGroup(
        gatherWeights(e, cb, idx, res, first, 2 * P, scale, shift));
    Value h = e.fromF32(w, VectorType::get({2 * P}, modelType));
    Value l = lowPart(e, w, h);
    for (int64_t p = 0; p < P; ++p) {
      hi[t0 + p].push_back(pairOf(e, h, p));
      lo[t0 + p].push_back(pairOf(e, l, p));
    }
  }

  /// An mma operand register (toOperand) as i32.
  static Value asWord(const EmitContext &e, Value reg) {
    if (reg.getType().isInteger(32))
      return reg;
    Value word = vector::BitCastOp::create(
        e.b, e.loc, VectorType::get({1}, e.b.getI32Type()), reg);
    return vector::ExtractOp::create(e.b, e.loc, word, ArrayRef<int64_t>{0});
  }

  /// Issues the warpgroup's wgmmas of the chunk in input stage `stage` with
  /// the A registers `a` (dequantizeLaneChunk): per 16-column step, part
  /// and 64-row tile one wgmma.m64nNk16 (N = batch_tile) accumulating into
  /// the tile's accumulators, then commits them as one group (the caller
  /// waits for it). The wgmma ops have no register-A form in the NVVM
  /// dialect: they are inline PTX.
  SmallVector<Value> multiplyRegisterWarpgroups(const EmitContext &e,
                                                Value stage, ValueRange a,
                                                ValueRange accIn) {
    OpBuilder &b = e.b;
    Location loc = e.loc;
    const int64_t Kc = tiling.getKChunk(), N = tiling.getBatchTile();
    const int64_t T = grid.tilesPerWarp, parts = split ? 2 : 1;
    const int64_t perTile = N / 2;
    Value bBase = inputStageAddress(e, stage, Value());
    // Every wgmma input is defined before wgmma.fence: ptxas serializes
    // wgmmas whose input registers other instructions define between the
    // fence and them (C7513).
    SmallVector<Value> descs;
    for (int64_t s = 0; s < Kc / kTileK; ++s)
      descs.push_back(inputDescriptor(e, bBase, s));
    NVVM::WgmmaFenceAlignedOp::create(b, loc);
    SmallVector<Value> acc(accIn);
    for (int64_t s = 0; s < Kc / kTileK; ++s) {
      Value descB = descs[s];
      for (int64_t part = 0; part < parts; ++part)
        for (int64_t t = 0; t < T; ++t) {
          ValueRange regs = a.slice(((s * parts + part) * T + t) * 4, 4);
          MutableArrayRef<Value> tile(acc.data() + t * perTile, perTile);
          SmallVector<Value> d = emitRegisterWgmma(e, tile, regs, descB);
          std::copy(d.begin(), d.end(), tile.begin());
        }
    }
    NVVM::WgmmaGroupSyncAlignedOp::create(b, loc);
    return acc;
  }

  /// One wgmma.mma_async.m64nNk16 with f32 accumulators `acc` (N / 2 of
  /// them), A from the four registers `a` and B from descriptor `descB`
  /// (K-major: no transpose), as inline PTX; returns the new accumulators.
  SmallVector<Value> emitRegisterWgmma(const EmitContext &e,
                                       ArrayRef<Value> acc, ValueRange a,
                                       Value descB) {
    OpBuilder &b = e.b;
    const int64_t n = acc.size();
    std::string ptx;
    llvm::raw_string_ostream os(ptx);
    const char *type = modelType.isF16() ? "f16" : "bf16";
    // scale-d is an immediate: a register defined after wgmma.fence would
    // make ptxas serialize the wgmmas (C7513).
    os << "{\n.reg .pred p;\nsetp.ne.b32 p, 1, 0;\n"
       << "wgmma.mma_async.sync.aligned.m64n" << 2 * n << "k16.f32." << type
       << "." << type << " {";
    for (int64_t i = 0; i < n; ++i)
      os << (i ? ", $" : "$") << i;
    os << "}, {$" << 2 * n << ", $" << 2 * n + 1 << ", $" << 2 * n + 2 << ", $"
       << 2 * n + 3 << "}, $" << 2 * n + 4 << ", p, 1, 1, 0;\n}";
    SmallVector<std::string> constraints(n, "=f");
    SmallVector<Value> operands(acc);
    for (int64_t i = 0; i < n; ++i)
      constraints.push_back(std::to_string(i));
    for (Value reg : a) {
      operands.push_back(reg);
      constraints.push_back("r");
    }
    operands.push_back(descB);
    constraints.push_back("l");
    auto structType = LLVM::LLVMStructType::getLiteral(
        b.getContext(), SmallVector<Type>(n, b.getF32Type()));
    auto asmOp = LLVM::InlineAsmOp::create(
        b, e.loc, structType, operands, ptx, llvm::join(constraints, ","),
        /*has_side_effects=*/true, /*is_align_stack=*/false,
        LLVM::tailcallkind::TailCallKind::None, LLVM::AsmDialectAttr(),
        ArrayAttr());
    SmallVector<Value> d;
    for (int64_t i = 0; i < n; ++i)
      d.push_back(LLVM::ExtractValueOp::create(b, e.loc, asmOp.getResult(0),
                                               ArrayRef<int64_t>{i}));
    return d;
  }

  /// The columns the chunks walk: the group's, or every input column.
  int64_t chunkColumns() const {
    return walksInputColumns ? cfg.inFeatures : cfg.groupSize;
  }

  /// Walking input columns: the quantized column (as an index into the
  /// group) that input column `col` of the chunk meets, and whether there
  /// is one (an outlier column, or a column past the last, has none).
  std::pair<Value, Value> quantizedColumnOf(const EmitContext &e, Value col) {
    Value safe = e.min(col, e.index(cfg.inFeatures - 1));
    Value j = arith::IndexCastUIOp::create(
        e.b, e.loc, e.b.getIndexType(),
        memref::LoadOp::create(e.b, e.loc, inversePerm, ValueRange{safe}));
    Value quantized = andI(
        e.b, e.loc,
        cmp(e.b, e.loc, arith::CmpIPredicate::uge, j,
            e.index(cfg.outlierSize)),
        cmp(e.b, e.loc, arith::CmpIPredicate::ult, col,
            e.index(cfg.inFeatures)));
    Value q = emitSelect(
        e.b, e.loc, quantized,
        arith::SubIOp::create(e.b, e.loc, j, e.index(cfg.outlierSize)),
        e.index(0));
    return {q, quantized};
  }

  int64_t chunkItems() const {
    return ceilDiv(tiling.getBlockRows() * tiling.getKChunk(),
                   tiling.getThreads());
  }

  /// The decoded indices (main, then residual if any, per item) of the
  /// thread's vectors of the chunk at column k0 of group cb (columns past
  /// the group clamped to its last).
  SmallVector<Value> loadChunkIndices(const EmitContext &e, Value cb,
                                      Value k0) {
    return decodeChunkIndices(e, loadChunkIndexWords(e, cb, k0));
  }

  /// The loads behind loadChunkIndices (WeightAccess::loadIndices per
  /// item), for decodeChunkIndices to decode later.
  SmallVector<Value> loadChunkIndexWords(const EmitContext &e, Value cb,
                                         Value k0) {
    SmallVector<Value> loads;
    for (int64_t i = 0; i < chunkItems(); ++i) {
      auto [r, k] = chunkItem(e, i);
      Value indexRow = e.min(e.add(firstIndexRow, r),
                             e.index(cfg.numIndexRows() - 1));
      Value col = walksInputColumns
                      ? quantizedColumnOf(e, e.add(k0, k)).first
                      : e.min(e.add(k0, k), e.index(cfg.groupSize - 1));
      llvm::append_range(loads, wa.loadIndices(e, cb, indexRow, col));
    }
    return loads;
  }

  /// loadChunkIndices' indices from loadChunkIndexWords' loads.
  SmallVector<Value> decodeChunkIndices(const EmitContext &e,
                                        ArrayRef<Value> loads) {
    SmallVector<Value> indices;
    const int64_t perItem = loads.size() / chunkItems();
    for (int64_t i = 0; i < chunkItems(); ++i) {
      auto [idx, res] =
          wa.decodeIndices(e, loads.slice(i * perItem, perItem));
      indices.push_back(idx);
      if (res)
        indices.push_back(res);
    }
    return indices;
  }

  /// The thread's weight vectors (f32) of the chunk at column k0 for
  /// `indices` (loadChunkIndices): centroid plus residual, the norm (W *
  /// scale + bias of the input column), zero past the group.
  SmallVector<Value> gatherChunk(const EmitContext &e, Value cb, Value k0,
                                 ArrayRef<Value> indices) {
    return finishChunk(e, k0, gatherRawChunk(e, cb, k0, indices));
  }

  /// Loaded values per item of gatherRawChunk: the main entry, then the
  /// residual entry and the norm's scale and bias when the layer has them.
  int64_t rawPerItem() const {
    return 1 + (cfg.hasResidual() ? 1 : 0) + (cfg.enableNorm ? 2 : 0);
  }

  /// The loads behind gatherChunk, nothing computed from them, so that a
  /// pipeline can issue them a chunk before it uses them: per item the
  /// main codebook entry and the residual one (in the codebooks' type) and
  /// with the norm the f32 scale and bias of the item's input column.
  SmallVector<Value> gatherRawChunk(const EmitContext &e, Value cb, Value k0,
                                    ArrayRef<Value> indices) {
    const int64_t perItem = cfg.hasResidual() ? 2 : 1;
    Value colBase = groupColumn(e, cb);
    SmallVector<Value> raw;
    for (int64_t i = 0; i < chunkItems(); ++i) {
      auto [r, k] = chunkItem(e, i);
      raw.push_back(SharedCodebooks::gather(
          e, cfg, codebooks.centroids, wa.values().centroids, cb,
          indices[i * perItem], codebooks.copyFor(false, laneCopy),
          /*widen=*/false));
      if (perItem == 2)
        raw.push_back(SharedCodebooks::gather(
            e, cfg, codebooks.resCentroids, wa.values().resCentroids, cb,
            indices[i * perItem + 1], codebooks.copyFor(true, laneCopy),
            /*widen=*/false));
      if (cfg.enableNorm) {
        // The norm belongs to the input column.
        Value col = e.add(k0, k);
        Value p = walksInputColumns
                      ? e.min(col, e.index(cfg.inFeatures - 1))
                      : wa.emitInputColumn(
                            e, e.min(e.add(colBase, col),
                                     e.index(cfg.inFeatures - 1)));
        raw.push_back(e.loadF32(wa.values().weightScale, {p}));
        raw.push_back(e.loadF32(wa.values().weightBias, {p}));
      }
    }
    return raw;
  }

  /// gatherChunk's vectors from the loads of gatherRawChunk (chunk k0).
  SmallVector<Value> finishChunk(const EmitContext &e, Value k0,
                                 ArrayRef<Value> raw) {
    OpBuilder &b = e.b;
    Location loc = e.loc;
    auto f32Vec = VectorType::get({cfg.vectorLen}, b.getF32Type());
    const int64_t perItem = rawPerItem();
    SmallVector<Value> vectors;
    for (int64_t i = 0; i < chunkItems(); ++i) {
      auto [r, k] = chunkItem(e, i);
      Value col = e.add(k0, k);
      ArrayRef<Value> item = raw.slice(i * perItem, perItem);
      Value w = e.toF32(item[0]);
      if (cfg.hasResidual())
        w = e.add(w, e.toF32(item[1]));
      if (cfg.enableNorm) {
        Value scale =
            vector::BroadcastOp::create(b, loc, f32Vec, item[perItem - 2]);
        Value shift =
            vector::BroadcastOp::create(b, loc, f32Vec, item[perItem - 1]);
        w = vector::FMAOp::create(b, loc, w, scale, shift);
      }
      if (walksInputColumns) {
        Value zero = arith::ConstantOp::create(
            b, loc, f32Vec, DenseElementsAttr::get(f32Vec, 0.0f));
        w = emitSelect(b, loc, quantizedColumnOf(e, col).second, w, zero);
      } else if (cfg.groupSize % tiling.getKChunk() != 0) {
        Value zero = arith::ConstantOp::create(
            b, loc, f32Vec, DenseElementsAttr::get(f32Vec, 0.0f));
        w = emitSelect(b, loc,
                       cmp(b, loc, arith::CmpIPredicate::ult, col,
                           e.index(cfg.groupSize)),
                       w, zero);
      }
      vectors.push_back(w);
    }
    return vectors;
  }

  /// Stores the thread's `vectors` (gatherChunk) into stage `stage` of the
  /// shared weight tile, [stage * parts + part][k][row]: each vector as V
  /// contiguous elements rounded to the model type (in aligned pieces),
  /// and with split weights its rounding error as the lo part.
  void storeChunk(const EmitContext &e, ArrayRef<Value> vectors, Value stage) {
    const int64_t V = cfg.vectorLen, parts = split ? 2 : 1;
    auto modelVec = VectorType::get({V}, modelType);
    Value first = e.mul(stage, e.index(parts));
    for (int64_t i = 0; i < chunkItems(); ++i) {
      auto [r, k] = chunkItem(e, i);
      Value offset = e.mul(r, e.index(V));
      Value hi = e.fromF32(vectors[i], modelVec);
      if (warpgroups) {
        storeCoreMatrixRows(e, hi, first, k, offset);
        if (split)
          storeCoreMatrixRows(e, lowPart(e, vectors[i], hi),
                              e.add(first, e.index(1)), k, offset);
        continue;
      }
      emitVectorStore(e, hi, weightTiles, ValueRange{first, k}, offset);
      if (split)
        emitVectorStore(e, lowPart(e, vectors[i], hi), weightTiles,
                        ValueRange{e.add(first, e.index(1)), k}, offset);
    }
  }

  /// Stores vector `vec` (the rows from block-local row `row` of column k)
  /// into the M-major core matrices of weight tile `tile`: in pieces that
  /// do not cross a core-matrix row of 8 elements (one 16-byte store per 8
  /// rows).
  void storeCoreMatrixRows(const EmitContext &e, Value vec, Value tile,
                           Value k, Value row) {
    const int64_t V = cfg.vectorLen;
    const int64_t piece = std::gcd<int64_t>(V, 8);
    Value kBlock = arith::DivUIOp::create(e.b, e.loc, k, e.index(8));
    Value kRow = arith::RemUIOp::create(e.b, e.loc, k, e.index(8));
    for (int64_t at = 0; at < V; at += piece) {
      Value m = e.add(row, e.index(at));
      SmallVector<int64_t> lanes(piece);
      std::iota(lanes.begin(), lanes.end(), at);
      Value part = piece == V ? vec
                              : vector::ShuffleOp::create(e.b, e.loc, vec,
                                                          vec, lanes);
      auto store = vector::StoreOp::create(
          e.b, e.loc, part, weightTiles,
          ValueRange{tile, kBlock,
                     arith::DivUIOp::create(e.b, e.loc, m, e.index(8)), kRow,
                     arith::RemUIOp::create(e.b, e.loc, m, e.index(8))});
      store.setAlignment(piece * elemBytes());
    }
  }

  /// The warp's A fragments of step ks from the shared weight tile, in
  /// multiplyStep's order (part, tile, register): ldmatrix.x4.trans, lanes
  /// 8i .. 8i + 7 addressing the 8 columns of matrix i (rows 8 (i mod 2)
  /// .., columns 8 (i / 2) .. of the 16 x 16 tile), which stores each
  /// column's rows contiguously.
  SmallVector<Value> loadWeightFragments(const EmitContext &e, int64_t ks,
                                         Value stage) {
    OpBuilder &b = e.b;
    Location loc = e.loc;
    Value matrix = arith::DivUIOp::create(b, loc, lane, e.index(8));
    Value k = e.add(
        e.add(e.mul(arith::DivUIOp::create(b, loc, matrix, e.index(2)),
                    e.index(8)),
              arith::RemUIOp::create(b, loc, lane, e.index(8))),
        e.index(ks * kTileK));
    Value rowOffset = e.mul(arith::RemUIOp::create(b, loc, matrix, e.index(2)),
                            e.index(8));
    auto fragType = VectorType::get({4, 2}, modelType);
    SmallVector<Value> a;
    for (int64_t part = 0; part < (split ? 2 : 1); ++part)
      for (int64_t t = 0; t < grid.tilesPerWarp; ++t) {
        Value tileStart = warpTileStart(e, t);
        Value frags = nvgpu::LdMatrixOp::create(
            b, loc, fragType, weightTiles,
            ValueRange{e.add(e.mul(stage, e.index(split ? 2 : 1)),
                             e.index(part)),
                       k, e.add(tileStart, rowOffset)},
            /*transpose=*/true, /*numTiles=*/4);
        for (int64_t r = 0; r < 4; ++r)
          a.push_back(toOperand(
              e, vector::ExtractOp::create(b, loc, frags,
                                           ArrayRef<int64_t>{r})));
      }
    return a;
  }

  /// Waits until at most `pending` of the groups of input copies issued so
  /// far, the last being `group`, are in flight.
  void waitInputs(const EmitContext &e, Value group, int64_t pending) {
    nvgpu::DeviceAsyncWaitOp::create(e.b, e.loc, group,
                                     e.b.getI32IntegerAttr(pending));
  }

  /// The A fragments of every 16-column step of the chunk at column k0,
  /// step by step (dequantizeStep's order within a step).
  SmallVector<Value> dequantizeChunk(const EmitContext &e, Value cb,
                                     Value k0) {
    SmallVector<Value> all;
    for (int64_t ks = 0; ks < tiling.getKChunk() / kTileK; ++ks)
      for (const SmallVector<Value> &frag :
           dequantizeStep(e, cb, e.add(k0, e.index(ks * kTileK))))
        llvm::append_range(all, frag);
    return all;
  }

  /// Copies the column group's chunk of activations, columns chunkCol ..
  /// + k_chunk of the block's live batch rows, into its input tile
  /// [batch_tile][k_chunk (+ padding)] (`tile` of the view's first
  /// dimension). Without a permutation and
  /// with aligned columns these are asynchronous copies of `stageWidth`
  /// elements (rows past the batch zero-filled without reading), one group
  /// per chunk, whose token is returned. Otherwise each element is gathered
  /// (through perm) and stored, and the result is null.
  Value stageInputs(const EmitContext &e, Value chunkCol, Value tile) {
    const int64_t Bt = tiling.getBatchTile(), Kc = tiling.getKChunk();
    Value liveRows = e.min(arith::SubIOp::create(e.b, e.loc, batch, firstBatch),
                           e.index(Bt));
    if (stageWidth == 0) {
      emitFor(e.b, e.loc, groupThread, e.mul(liveRows, e.index(Kc)),
              e.index(groupThreads), [&](OpBuilder &b, Value item) {
                EmitContext ie{b, e.loc};
                Value r = arith::DivUIOp::create(b, e.loc, item, ie.index(Kc));
                Value k = arith::RemUIOp::create(b, e.loc, item, ie.index(Kc));
                Value col = ie.min(ie.add(chunkCol, k),
                                   ie.index(cfg.inFeatures - 1));
                Value v = memref::LoadOp::create(
                    b, e.loc, x,
                    ValueRange{ie.add(firstBatch, r),
                               walksInputColumns
                                   ? col
                                   : wa.emitInputColumn(ie, col)});
                memref::StoreOp::create(b, e.loc, v, inputTiles,
                                        inputTileIndices(ie, tile, r, k));
              });
      return Value();
    }
    const int64_t w = stageWidth, perRow = Kc / w, items = Bt * perRow;
    // Items past the tile (when it has fewer than the group's threads) redo
    // the last one.
    return emitCopyGroup(e, groupThread, groupThreads, items, [&](Value item) {
      // Item -> (batch row r, piece of columns p): rows of perRow pieces;
      // with warpgroups 8 consecutive threads copy the 8 rows of one core
      // matrix (128 contiguous bytes), so a warp reads 4 pieces of each of
      // 8 rows.
      Value r, piece;
      if (coreMatrixInputs()) {
        Value rowBlock = arith::DivUIOp::create(e.b, e.loc, item,
                                                e.index(8 * perRow));
        r = e.add(e.mul(rowBlock, e.index(8)),
                  arith::RemUIOp::create(e.b, e.loc, item, e.index(8)));
        piece = arith::RemUIOp::create(
            e.b, e.loc, arith::DivUIOp::create(e.b, e.loc, item, e.index(8)),
            e.index(perRow));
      } else {
        r = arith::DivUIOp::create(e.b, e.loc, item, e.index(perRow));
        piece = arith::RemUIOp::create(e.b, e.loc, item, e.index(perRow));
      }
      Value k = e.mul(piece, e.index(w));
      Value srcRow = e.min(e.add(firstBatch, r), lastBatch);
      Value srcCol = e.min(e.add(chunkCol, k), e.index(cfg.inFeatures - w));
      Value srcElements = emitSelect(
          e.b, e.loc, cmp(e.b, e.loc, arith::CmpIPredicate::ult, r, liveRows),
          e.index(w), e.index(0));
      return emitAsyncCopy(e, inputTiles, inputTileIndices(e, tile, r, k), x,
                           ValueRange{srcRow, srcCol}, w, srcElements);
    });
  }

  /// The indices of batch row r, column k of stage `tile` of the column
  /// group's input tile: [tile][colWarp][r][k], or with warpgroups the
  /// K-major core matrices [tile][k / 8][r / 8][r % 8][k % 8].
  SmallVector<Value> inputTileIndices(const EmitContext &e, Value tile,
                                      Value r, Value k) const {
    if (!coreMatrixInputs())
      return {tile, colWarp, r, k};
    auto div = [&](Value v) {
      return arith::DivUIOp::create(e.b, e.loc, v, e.index(8)).getResult();
    };
    auto rem = [&](Value v) {
      return arith::RemUIOp::create(e.b, e.loc, v, e.index(8)).getResult();
    };
    return {tile, div(k), div(r), rem(r), rem(k)};
  }

  /// The warp's A fragments of the 16-column step at column k0 of group
  /// cb, per tile: {W[2g][2q], W[2g][2q+1]}, {W[2g+1][2q], ...}, then the
  /// same for columns 2q + 8, 2q + 9; the lo parts' fragments follow the
  /// hi parts' (a[T + t]).
  SmallVector<SmallVector<Value>> dequantizeStep(const EmitContext &e,
                                                 Value cb, Value k0) {
    OpBuilder &b = e.b;
    Location loc = e.loc;
    const int64_t T = grid.tilesPerWarp;
    Value colBase = groupColumn(e, cb);
    // The lane's code columns 2q, 2q + 1, 2q + 8, 2q + 9 of the step and,
    // with the norm, the scale and bias of the input columns they multiply.
    auto vecType = VectorType::get({2}, b.getF32Type());
    SmallVector<Value> cols, scales(4), shifts(4);
    for (int64_t j = 0; j < 4; ++j) {
      Value col = laneColumn(e, k0, 0, j);
      cols.push_back(col);
      if (cfg.enableNorm) {
        Value p = wa.emitInputColumn(
            e, e.min(e.add(colBase, col), e.index(cfg.inFeatures - 1)));
        scales[j] = vector::BroadcastOp::create(
            b, loc, vecType, e.loadF32(wa.values().weightScale, {p}));
        shifts[j] = vector::BroadcastOp::create(
            b, loc, vecType, e.loadF32(wa.values().weightBias, {p}));
      }
    }
    const int64_t parts = split ? 2 : 1;
    auto modelPair = VectorType::get({2}, modelType);
    SmallVector<SmallVector<Value>> a(parts * T);
    for (int64_t t = 0; t < T; ++t) {
      Value row = tileRow(e, t);
      SmallVector<Value> hi, lo;
      for (int64_t j = 0; j < 4; ++j) {
        Value w = dequantizePair(e, cb, row, cols[j], scales[j], shifts[j]);
        Value h = e.fromF32(w, modelPair);
        hi.push_back(h);
        if (split)
          lo.push_back(lowPart(e, w, h));
      }
      a[t] = packFragment(e, hi);
      if (split)
        a[T + t] = packFragment(e, lo);
    }
    return a;
  }

  /// The four A operand registers of a tile from the lane's pairs (rows
  /// 2g, 2g + 1 of mma columns 2q, 2q + 1, 2q + 8, 2q + 9, in the model
  /// type): {W[2g][2q], W[2g][2q+1]}, {W[2g+1][2q], ...}, then the same
  /// for columns 2q + 8, 2q + 9.
  SmallVector<Value> packFragment(const EmitContext &e,
                                  ArrayRef<Value> pairs) {
    SmallVector<Value> regs;
    for (auto [first, second] : {std::pair{0, 1}, std::pair{2, 3}})
      for (int64_t r = 0; r < 2; ++r)
        regs.push_back(toOperand(
            e, vector::ShuffleOp::create(e.b, e.loc, pairs[first],
                                         pairs[second],
                                         ArrayRef<int64_t>{r, 2 + r})));
    return regs;
  }

  /// Multiplies the A fragments `a` of step ks of the chunk with the
  /// warp's live 8-row batch tiles of the input tile (batchTilesPerWarp
  /// from tile `firstTile`): B fragments come two tiles at a
  /// time from ldmatrix.x4 (lanes 8i .. 8i + 7 address the rows of matrix
  /// i: batch tile 2p + i / 2, columns 8 (i mod 2) ..), or x2 for a last
  /// odd tile.
  SmallVector<Value> multiplyStep(const EmitContext &e, ArrayRef<Value> a,
                                  int64_t ks, Value tile, Value firstTile,
                                  ValueRange accIn) {
    OpBuilder &b = e.b;
    Location loc = e.loc;
    const int64_t T = grid.tilesPerWarp;
    const int64_t nTiles = grid.batchTilesPerWarp;
    SmallVector<Value> acc(accIn);
    Value matrix = arith::DivUIOp::create(b, loc, lane, e.index(8));
    Value matrixRow = arith::RemUIOp::create(b, loc, lane, e.index(8));
    Value half = arith::RemUIOp::create(b, loc, matrix, e.index(2));
    Value col = e.add(e.mul(half, e.index(8)), e.index(ks * kTileK));
    for (int64_t nt = 0; nt < nTiles; nt += 2) {
      const int64_t count = std::min<int64_t>(2, nTiles - nt);
      // Pairs of batch tiles wholly past the batch are skipped
      // (warp-uniform); rows past it hold zeros or stale values whose
      // results are never stored.
      Value pairStart = e.add(
          firstBatch,
          e.mul(e.add(firstTile, e.index(nt)), e.index(kTileN)));
      // With shared weights every pair is multiplied: a branch per pair
      // keeps ptxas from issuing the step's fragment loads ahead of its
      // mma (measured: shared-memory latency left unhidden, ncu
      // short-scoreboard stalls); rows past the batch are zero or stale
      // and their results never stored.
      Value live =
          sharedWeights
              ? arith::ConstantIntOp::create(b, loc, 1, 1).getResult()
              : cmp(b, loc, arith::CmpIPredicate::ult, pairStart, batch);
      auto ifOp = scf::IfOp::create(
          b, loc, live,
          [&](OpBuilder &tb, Location) {
            EmitContext te{tb, loc};
            Value tileOfLane =
                count == 2 ? arith::DivUIOp::create(tb, loc, matrix,
                                                    te.index(2))
                           : te.index(0);
            Value row = te.add(
                te.mul(te.add(te.add(tileOfLane, firstTile), te.index(nt)),
                       te.index(kTileN)),
                matrixRow);
            auto fragType = VectorType::get({2 * count, 2}, modelType);
            Value frags = nvgpu::LdMatrixOp::create(
                tb, loc, fragType, inputTiles,
                ValueRange{tile, colWarp, row, col},
                /*transpose=*/false, /*numTiles=*/2 * count);
            SmallVector<Value> results;
            for (int64_t i = 0; i < count; ++i) {
              SmallVector<Value> bFrag;
              for (int64_t j = 0; j < 2; ++j)
                bFrag.push_back(toOperand(
                    te, vector::ExtractOp::create(
                            tb, loc, frags, ArrayRef<int64_t>{2 * i + j})));
              for (int64_t t = 0; t < T; ++t) {
                SmallVector<Value> c;
                for (int64_t r = 0; r < 4; ++r)
                  c.push_back(acc[accIndex(t, nt + i, r)]);
                mmaInto(tb, loc, a, t, bFrag, c);
                results.append(c);
              }
            }
            scf::YieldOp::create(tb, loc, results);
          },
          [&](OpBuilder &eb, Location) {
            SmallVector<Value> same;
            for (int64_t i = 0; i < count; ++i)
              for (int64_t t = 0; t < T; ++t)
                for (int64_t r = 0; r < 4; ++r)
                  same.push_back(acc[accIndex(t, nt + i, r)]);
            scf::YieldOp::create(eb, loc, same);
          });
      int64_t at = 0;
      for (int64_t i = 0; i < count; ++i)
        for (int64_t t = 0; t < T; ++t)
          for (int64_t r = 0; r < 4; ++r)
            acc[accIndex(t, nt + i, r)] = ifOp.getResult(at++);
    }
    return acc;
  }

  /// c (the four f32 accumulators of one tile) += tile t of the A
  /// fragments `a` (parts x tiles x 4 registers, multiplyStep's order) x
  /// the B fragment `bFrag`: one mma.sync.m16n8k16 per part.
  void mmaInto(OpBuilder &b, Location loc, ArrayRef<Value> a, int64_t t,
               ArrayRef<Value> bFrag, SmallVectorImpl<Value> &c) {
    auto resultType = LLVM::LLVMStructType::getLiteral(
        b.getContext(), SmallVector<Type>(4, b.getF32Type()));
    NVVM::MMATypes ptxType =
        modelType.isF16() ? NVVM::MMATypes::f16 : NVVM::MMATypes::bf16;
    std::array<NVVM::MMATypes, 2> ptxTypes = {ptxType, ptxType};
    std::array<NVVM::MMALayout, 2> layouts = {NVVM::MMALayout::row,
                                              NVVM::MMALayout::col};
    const int64_t T = grid.tilesPerWarp;
    for (int64_t part = 0; part < (split ? 2 : 1); ++part) {
      Value d = NVVM::MmaOp::create(
          b, loc, resultType, a.slice((part * T + t) * 4, 4), bFrag, c,
          ArrayRef<int64_t>{kTileM, kTileN, kTileK}, std::nullopt,
          std::nullopt, ptxTypes, layouts);
      for (int64_t r = 0; r < 4; ++r)
        c[r] = LLVM::ExtractValueOp::create(b, loc, d, ArrayRef<int64_t>{r});
    }
  }

  //===--------------------------------------------------------------------===//
  // Operands read straight into registers (mmaReadsOperandsDirectly)
  //===--------------------------------------------------------------------===//

  /// Columns of a chunk each lane quad owns: k_chunk / 4.
  int64_t runColumns() const { return tiling.getKChunk() / 4; }

  /// Packed code words of a lane's run.
  int64_t runWords() const {
    return runColumns() * (cfg.indexBits + cfg.resIndexBits) / 32;
  }

  /// Chunk column k0 clamped to the group's last chunk, so that a prefetch
  /// past the end reads valid memory.
  Value clampChunk(const EmitContext &e, Value k0) const {
    return e.min(k0, e.index(cfg.groupSize - tiling.getKChunk()));
  }

  /// The column group's chunks of codebook group cb (chunk colWarp,
  /// colWarp + colWarps, ...) with operands read into registers: each lane
  /// loads the next chunk's code words, and its activations where they fit
  /// the prefetch budget (kPrefetchedInputRegisters), before it multiplies
  /// the current chunk; no chunk waits on another warp.
  SmallVector<Value> emitDirectChunkLoop(OpBuilder &b, Location loc, Value cb,
                                         ValueRange accIn) {
    EmitContext e{b, loc};
    const int64_t Kc = tiling.getKChunk();
    const int64_t inputRegs =
        grid.batchTilesPerWarp * runColumns() * elemBytes() / 4;
    const int64_t fragmentRegs =
        grid.accumulators +
        Kc / kTileK * grid.tilesPerWarp * 4 * (split ? 2 : 1);
    // Split weights gathered from a global main codebook keep their
    // registers for resident warps (which hide the L2 gathers) below 8
    // batch tiles: measured 5 % slower at batch tiles of 32 with the
    // prefetch, 1.65x faster at 64 (bench/results/
    // 2026-11-27-h100-batch64-tiles.md, call 4).
    const bool globalSplit = split && !codebooks.centroids &&
                             grid.batchTilesPerWarp < 8;
    const bool prefetchInputs =
        inputRegs <= kPrefetchedInputRegisters ||
        (inputRegs <= kMaxPrefetchedInputRegisters &&
         fragmentRegs <= kMaxFragmentRegistersForPrefetch &&
         tiling.getWarpsPerRow() <= kMaxWarpsForPrefetch && !globalSplit);
    Value first = e.mul(colWarp, e.index(Kc));
    Value stride = e.index(grid.colWarps * Kc);
    auto load = [&](const EmitContext &le, Value k0) {
      SmallVector<Value> values = loadRunCodes(le, cb, k0);
      if (prefetchInputs)
        llvm::append_range(values, loadRunInputs(le, cb, k0));
      return values;
    };
    const size_t numAcc = accIn.size();
    SmallVector<Value> init(accIn);
    llvm::append_range(init, load(e, first));
    SmallVector<Value> results = emitForAcc(
        b, loc, first, e.index(cfg.groupSize), stride, init,
        [&](OpBuilder &lb, Value k0, ValueRange carried) {
          EmitContext le{lb, loc};
          SmallVector<Value> next = load(le, le.add(k0, stride));
          pinLoads(le, next);
          ValueRange current = carried.drop_front(numAcc);
          size_t numWords = grid.tilesPerWarp / grid.vectorTiles * runWords();
          // Without a prefetch each live batch tile loads its own.
          SmallVector<Value> inputs(current.drop_front(numWords));
          const int64_t pieces = runColumns() / runInputWidth();
          SmallVector<Value> acc = multiplyDirectChunk(
              le, cb, k0, carried.take_front(numAcc),
              current.take_front(numWords), runInputWidth(),
              [&](const EmitContext &te, int64_t nt) {
                if (inputs.empty())
                  return loadRunInput(te, cb, k0, nt);
                return SmallVector<Value>(
                    ArrayRef<Value>(inputs).slice(nt * pieces, pieces));
              });
          acc.append(next);
          return acc;
        });
    results.resize(numAcc);
    return results;
  }

  /// The column group's chunks of codebook group cb with codes read into
  /// registers and activations staged (#vptq.tiling staged_inputs) over two
  /// stages of the group's input tile: while the warps multiply chunk i
  /// (stage i mod 2) the group's threads copy chunk i + 1 into the other
  /// stage and each lane loads its codes; one group barrier per chunk
  /// makes the copies visible and frees the stage the next copy overwrites.
  SmallVector<Value> emitStagedDirectChunkLoop(OpBuilder &b, Location loc,
                                               Value cb, ValueRange accIn) {
    EmitContext e{b, loc};
    const int64_t Kc = tiling.getKChunk();
    Value first = e.mul(colWarp, e.index(Kc));
    Value stride = e.index(grid.colWarps * Kc);
    // Copies chunk k0 (clamped to the group's last) into stage `tile`.
    auto stageChunk = [&](const EmitContext &se, Value k0, Value tile) {
      return stageInputs(se, se.add(groupColumn(se, cb), clampChunk(se, k0)),
                         tile);
    };
    // The previous codebook group's last reads of stage 0 are done.
    syncGroup(b, loc);
    Value copies = stageChunk(e, first, e.index(0));
    SmallVector<Value> init(accIn);
    llvm::append_range(init, loadRunCodes(e, cb, first));
    if (copies)
      waitInputs(e, copies, /*pending=*/0);
    const size_t numAcc = accIn.size();
    SmallVector<Value> results = emitForAcc(
        b, loc, first, e.index(cfg.groupSize), stride, init,
        [&](OpBuilder &lb, Value k0, ValueRange carried) {
          EmitContext le{lb, loc};
          Value step = arith::DivUIOp::create(
              lb, loc, arith::SubIOp::create(lb, loc, k0, first), stride);
          Value current = arith::RemUIOp::create(lb, loc, step, le.index(2));
          Value other = arith::SubIOp::create(lb, loc, le.index(1), current);
          // Chunk k0 is in place, and nobody reads `other` any more.
          syncGroup(lb, loc);
          Value next = le.add(k0, stride);
          Value nextCopies = stageChunk(le, next, other);
          SmallVector<Value> nextWords = loadRunCodes(le, cb, next);
          pinLoads(le, nextWords);
          SmallVector<Value> acc = multiplyDirectChunk(
              le, cb, k0, carried.take_front(numAcc),
              carried.drop_front(numAcc), stagedInputWidth(),
              [&](const EmitContext &te, int64_t nt) {
                return loadStagedRunInput(te, current, nt);
              });
          // This thread's part of chunk k0 + stride is in place before the
          // next iteration's barrier.
          if (nextCopies)
            waitInputs(le, nextCopies, /*pending=*/0);
          acc.append(nextWords);
          return acc;
        });
    results.resize(numAcc);
    return results;
  }

  /// Elements per shared-memory load of a lane's run of staged activations:
  /// 8 or 4, dividing the run.
  int64_t stagedInputWidth() const { return runColumns() % 8 ? 4 : 8; }

  /// The lane's run of activations of batch tile nt (batch row g) from
  /// stage `tile` of the column group's input tile, as vectors of
  /// stagedInputWidth() elements.
  SmallVector<Value> loadStagedRunInput(const EmitContext &e, Value tile,
                                        int64_t nt) {
    Value row = e.add(group, e.index(nt * kTileN));
    return loadPieces(e, inputTiles, ValueRange{tile, colWarp, row},
                      e.mul(quad, e.index(runColumns())), runColumns(),
                      stagedInputWidth());
  }

  /// Keeps the loads of `values` (i32 or vectors of 32-bit multiples) where
  /// they are issued: an empty inline-asm statement with side effects reads
  /// them. Otherwise LLVM sinks a prefetch for the next chunk past this
  /// chunk's branches, to the loop latch, and its latency goes unhidden.
  void pinLoads(const EmitContext &e, ArrayRef<Value> values) {
    SmallVector<Value> words;
    for (Value v : values) {
      auto vec = dyn_cast<VectorType>(v.getType());
      if (!vec) {
        words.push_back(v);
        continue;
      }
      int64_t count =
          vec.getNumElements() * vec.getElementTypeBitWidth() / 32;
      Value asWords = vector::BitCastOp::create(
          e.b, e.loc, VectorType::get({count}, e.b.getI32Type()), v);
      for (int64_t i = 0; i < count; ++i)
        words.push_back(vector::ExtractOp::create(e.b, e.loc, asWords,
                                                  ArrayRef<int64_t>{i}));
    }
    SmallVector<std::string> constraints(words.size(), "r");
    LLVM::InlineAsmOp::create(e.b, e.loc, Type(), words, "",
                              llvm::join(constraints, ","),
                              /*has_side_effects=*/true,
                              /*is_align_stack=*/false,
                              LLVM::tailcallkind::TailCallKind::None,
                              LLVM::AsmDialectAttr(), ArrayAttr());
  }

  /// Elements per vector load of a lane's run of activations: up to 8,
  /// aligned (getMmaInputCopyWidth) and dividing the run.
  int64_t runInputWidth() const {
    int64_t width = std::min<int64_t>(8, getMmaInputCopyWidth(cfg));
    while (runColumns() % width)
      width /= 2;
    return width;
  }

  /// The first input column of the lane's run of the chunk at column k0
  /// (clamped to the group's last chunk) of group cb: no permutation.
  Value runInputColumn(const EmitContext &e, Value cb, Value k0) {
    return e.add(groupColumn(e, cb),
                 e.add(clampChunk(e, k0), e.mul(quad, e.index(runColumns()))));
  }

  /// The lane's run of activations of the chunk at column k0 of group cb
  /// in batch tile nt (batch row g, clamped to the last), as loadPieces
  /// vectors of runInputWidth() elements.
  SmallVector<Value> loadRunInput(const EmitContext &e, Value cb, Value k0,
                                  int64_t nt) {
    Value n = e.min(e.add(firstBatch, e.add(group, e.index(nt * kTileN))),
                    lastBatch);
    return loadPieces(e, x, ValueRange{n}, runInputColumn(e, cb, k0),
                      runColumns(), runInputWidth());
  }

  /// loadRunInput of every batch tile, in order.
  SmallVector<Value> loadRunInputs(const EmitContext &e, Value cb, Value k0) {
    SmallVector<Value> pieces;
    for (int64_t nt = 0; nt < grid.batchTilesPerWarp; ++nt)
      llvm::append_range(pieces, loadRunInput(e, cb, k0, nt));
    return pieces;
  }

  /// The packed code words of the lane's runs of the chunk at column k0
  /// (clampChunk) of group cb, one run per group of grid.vectorTiles tiles
  /// (one index row): runWords() words each, in aligned vectors of up to 4.
  SmallVector<Value> loadRunCodes(const EmitContext &e, Value cb, Value k0) {
    const int64_t Kc = tiling.getKChunk(), words = runWords();
    int64_t width = 4;
    while (width > 1 && (words % width || cfg.packedWordsPerRow() % width))
      width /= 2;
    Value chunk =
        arith::DivUIOp::create(e.b, e.loc, clampChunk(e, k0), e.index(Kc));
    Value w0 = e.add(e.mul(chunk, e.index(4 * words)),
                     e.mul(quad, e.index(words)));
    SmallVector<Value> out;
    for (int64_t t = 0; t < grid.tilesPerWarp; t += grid.vectorTiles)
      llvm::append_range(
          out, emitLoadWords(e, wa.values().indices, cb,
                             vectorRowOf(e, tileRow(e, t)).first, w0, words,
                             width));
    return out;
  }

  /// `count` elements of `memref` from [prefix..., col] on, in aligned
  /// vectors of `width` elements (col a multiple of it).
  SmallVector<Value> loadPieces(const EmitContext &e, Value memref,
                                ValueRange prefix, Value col, int64_t count,
                                int64_t width) {
    Type elem = cast<MemRefType>(memref.getType()).getElementType();
    SmallVector<Value> pieces;
    for (int64_t i = 0; i < count; i += width) {
      auto load = vector::LoadOp::create(
          e.b, e.loc, VectorType::get({width}, elem), memref,
          llvm::to_vector(llvm::concat<const Value>(
              prefix, ValueRange{e.add(col, e.index(i))})));
      load.setAlignment(width * elem.getIntOrFloatBitWidth() / 8);
      pieces.push_back(load);
    }
    return pieces;
  }

  /// Elements `first`, `first` + 1 of a run loaded by loadPieces (pieces
  /// of `width` >= 2 elements) as a vector<2>.
  Value runPair(const EmitContext &e, ArrayRef<Value> pieces, int64_t width,
                int64_t first) {
    Value piece = pieces[first / width];
    if (width == 2)
      return piece;
    int64_t at = first % width;
    return vector::ShuffleOp::create(e.b, e.loc, piece, piece,
                                     ArrayRef<int64_t>{at, at + 1});
  }

  /// Elements 2p, 2p + 1 of `v` (vector<2P>) as a vector<2>.
  Value pairOf(const EmitContext &e, Value v, int64_t p) {
    if (cast<VectorType>(v.getType()).getNumElements() == 2)
      return v;
    return vector::ShuffleOp::create(e.b, e.loc, v, v,
                                     ArrayRef<int64_t>{2 * p, 2 * p + 1});
  }

  int64_t elemBytes() const { return modelType.getIntOrFloatBitWidth() / 8; }

  /// Chunk k0 of group cb with operands in registers. Lane (g, q) owns the
  /// run of runColumns() columns from k0 + q * runColumns(); mma columns
  /// 2q, 2q + 1, 2q + 8, 2q + 9 of step s stand for its columns 4s .. 4s +
  /// 3, so its B fragments are pairs of its run of activations (batch row
  /// g of each 8-row tile, read with vector loads, rows past the batch
  /// clamped) and its A fragments need the codes of its run only (`words`,
  /// loadRunCodes). Every A fragment of the chunk is dequantized before the
  /// first mma; batch tiles wholly past the batch skip their mma.
  SmallVector<Value> multiplyDirectChunk(
      const EmitContext &e, Value cb, Value k0, ValueRange accIn,
      ValueRange words, int64_t width,
      function_ref<SmallVector<Value>(const EmitContext &, int64_t)>
          inputsOf) {
    OpBuilder &b = e.b;
    Location loc = e.loc;
    const int64_t run = runColumns(), steps = tiling.getKChunk() / kTileK;
    const int64_t T = grid.tilesPerWarp, nTiles = grid.batchTilesPerWarp;
    const int64_t bits = cfg.indexBits + cfg.resIndexBits;
    Value column = runInputColumn(e, cb, k0);
    SmallVector<Value> scales, shifts;
    if (cfg.enableNorm) {
      int64_t normWidth = std::min<int64_t>(4, runInputWidth());
      for (auto [memref, out] : {std::pair{wa.values().weightScale, &scales},
                                 std::pair{wa.values().weightBias, &shifts}})
        for (Value piece :
             loadPieces(e, memref, ValueRange{}, column, run, normWidth)) {
          Value wide = e.toF32(piece);
          for (int64_t i = 0; i < normWidth; ++i)
            out->push_back(vector::ExtractOp::create(b, loc, wide,
                                                     ArrayRef<int64_t>{i}));
        }
    }
    // A fragments, step by step: parts x tiles x 4 registers each. Per
    // group of P tiles and code, one read of the lane's 2P rows of the
    // vector; tile p of the group takes elements 2p, 2p + 1.
    const int64_t P = grid.vectorTiles;
    const int64_t wordsPerGroup = words.size() / (T / P);
    SmallVector<SmallVector<Value>> a(steps);
    for (int64_t s = 0; s < steps; ++s) {
      SmallVector<SmallVector<Value>> hi(T), lo(T);
      for (int64_t t0 = 0; t0 < T; t0 += P) {
        Value first = vectorRowOf(e, tileRow(e, t0)).second;
        SmallVector<Value> groupWords(
            words.slice(t0 / P * wordsPerGroup, wordsPerGroup));
        for (int64_t j = 0; j < 4; ++j) {
          auto [idx, res] = emitSplitCode(
              e, emitExtractCode(e, groupWords, 4 * s + j, bits),
              cfg.indexBits, cfg.resIndexBits);
          appendGroupPairs(e, cb, idx, res, first,
                           cfg.enableNorm ? scales[4 * s + j] : Value(),
                           cfg.enableNorm ? shifts[4 * s + j] : Value(),
                           Value(), t0, hi, lo);
        }
      }
      for (int64_t t = 0; t < T; ++t)
        llvm::append_range(a[s], packFragment(e, hi[t]));
      if (split)
        for (int64_t t = 0; t < T; ++t)
          llvm::append_range(a[s], packFragment(e, lo[t]));
    }
    SmallVector<Value> acc(accIn);
    for (int64_t nt = 0; nt < nTiles; ++nt) {
      Value live = cmp(b, loc, arith::CmpIPredicate::ult,
                       e.add(firstBatch, e.index(nt * kTileN)), batch);
      SmallVector<Value> tileAcc;
      for (int64_t t = 0; t < T; ++t)
        for (int64_t r = 0; r < 4; ++r)
          tileAcc.push_back(acc[accIndex(t, nt, r)]);
      auto ifOp = scf::IfOp::create(
          b, loc, live,
          [&](OpBuilder &tb, Location) {
            EmitContext te{tb, loc};
            SmallVector<Value> c(tileAcc);
            SmallVector<Value> xs = inputsOf(te, nt);
            for (int64_t s = 0; s < steps; ++s) {
              SmallVector<Value> bFrag = {
                  toOperand(te, runPair(te, xs, width, 4 * s)),
                  toOperand(te, runPair(te, xs, width, 4 * s + 2))};
              for (int64_t t = 0; t < T; ++t) {
                SmallVector<Value> tc(ArrayRef<Value>(c).slice(4 * t, 4));
                mmaInto(tb, loc, a[s], t, bFrag, tc);
                std::copy(tc.begin(), tc.end(), c.begin() + 4 * t);
              }
            }
            scf::YieldOp::create(tb, loc, c);
          },
          [&](OpBuilder &eb, Location) {
            scf::YieldOp::create(eb, loc, tileAcc);
          });
      for (int64_t t = 0; t < T; ++t)
        for (int64_t r = 0; r < 4; ++r)
          acc[accIndex(t, nt, r)] = ifOp.getResult(t * 4 + r);
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
          b1, loc, c0, e1.index(grid.colWarps), c1, {e1.f32(0)},
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
  MmaWarpGrid grid;
  /// Whether weights are multiplied as hi + lo parts (mmaSplitsWeights).
  bool split;
  /// Whether the block dequantizes each chunk into shared memory
  /// (#vptq.tiling shared_weights).
  bool sharedWeights;
  /// Whether shared weights are multiplied by warpgroups (wgmma; see
  /// mmaUsesWarpgroups), and how.
  bool warpgroups;
  /// Whether warpgroups multiply weights dequantized into registers
  /// (#vptq.tiling register_wgmma).
  bool registerWgmma;
  WarpgroupGrid wgGrid;
  /// Whether the chunks walk the input columns (mmaWalksInputColumns).
  bool walksInputColumns;
  /// Whether the warps read codes and activations straight into registers
  /// (mmaReadsOperandsDirectly): no input tiles, no group barriers.
  bool direct;
  /// Whether such a kernel stages its activations per column group
  /// (#vptq.tiling staged_inputs).
  bool stagedDirect;
  /// Elements per asynchronous activation copy (getMmaInputCopyWidth).
  int64_t stageWidth;
  /// Threads of a column group, which stage its input tiles together.
  int64_t groupThreads;
  Value x, y, bias;
  gpu::GPUFuncOp func;
  // Set while emitting.
  Value tid, warp, lane, rowWarp, colWarp, batchWarp, groupThread, group,
      quad, firstIndexRow, firstBatch, batch, lastBatch;
  SharedCodebooks codebooks;
  /// The copy of a replicated codebook the lane reads (emitLaneCopy).
  Value laneCopy;
  Value inputTiles, weightTiles, inversePerm;
  /// Register warpgroups: the decoded codes of the block's chunks, and
  /// the ring of their packed words (null when loaded into registers).
  Value codeTiles, wordRing;
  /// Warpgroups: the warp's group along the rows and the batch, its warp
  /// within the group, and the shared addresses (i64) of the weight and
  /// input tiles.
  Value rowGroup, batchGroup, warpInGroup, weightsAddress, inputsAddress;
};

} // namespace

FailureOr<int64_t> mlir::vptq::gpu_kernels::emitMmaMatmulKernel(
    MatmulOp op, KernelFunc &kernel, TilingAttr tiling,
    PlacementAttr placement, const TargetInfo &target, bool warpgroups) {
  LayerConfig c = op.getConfig().getLayerConfig();
  Type activation = getElementTypeOrSelf(op.getInput().getType());
  Type model = getElementTypeOrSelf(op.getCentroids().getType());
  if (!canUseTensorCores(target, activation, model))
    return op.emitOpError("tiling with mma = true needs tensor cores: an "
                          "NVIDIA sm_80 or newer chip (got ")
           << target.chip << ") and f16 or bf16 activations of the "
           << "codebooks' type (got " << activation << " and " << model
           << ")";
  MmaWarpGrid grid = getMmaWarpGrid(c, tiling);
  if (tiling.getRegisterWgmma()) {
    if (!target.hasWarpgroupMma())
      return op.emitOpError("tiling with register_wgmma needs warpgroup "
                            "multiplies: an NVIDIA sm_90a chip (got ")
             << target.chip << ")";
    if (!grid.valid)
      return op.emitOpError("tiling with register_wgmma: block_rows x "
                            "vector_len = ")
             << tiling.getBlockRows() << " x " << c.vectorLen
             << " must split into whole 64-row tiles for each of the "
             << tiling.getWarpsPerRow() / 4
             << " warpgroups, and vector_len must be even";
    if (grid.accumulators > kMaxWarpgroupAccumulators)
      return op.emitOpError("tiling with register_wgmma keeps ")
             << grid.accumulators << " f32 accumulators per thread, more "
             << "than " << kMaxWarpgroupAccumulators;
  }
  if (!grid.valid && !tiling.getSharedWeights())
    return op.emitOpError("tiling with staged_inputs: ")
           << grid.colWarps << " column groups of " << grid.rowWarps
           << " warps each, but named barriers hold at most 15 groups";
  if (!grid.valid)
    return op.emitOpError("tiling with shared_weights: no split of the ")
           << tiling.getWarpsPerRow() << " warps divides both the "
           << tiling.getBlockRows() * c.vectorLen / kTileM
           << " 16-row tiles and the " << tiling.getBatchTile() / kTileN
           << " 8-row batch tiles";
  if (!tiling.getSharedWeights() && !mmaSupportsVectorLen(c))
    return op.emitOpError("tiling with mma = true needs an even vector_len "
                          "(lanes read two adjacent elements of a vector), "
                          "got ")
           << c.vectorLen;
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
  MmaMatmulKernelEmitter emitter(op, kernel, tiling, placement,
                                 warpgroups &&
                                     mmaUsesWarpgroups(c, tiling, target));
  emitter.emit();
  return emitter.sharedBytes();
}
