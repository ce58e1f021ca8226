//===- VPTQToGPU.cpp - Lower vptq ops to GPU kernels ----------------------===//
//
// Generates one gpu.func per vptq op on memrefs and replaces the op with a
// gpu.launch_func. The kernels use scf, vector, memref, arith and gpu ops
// only, so the same code lowers to NVVM and ROCDL.
//
//===----------------------------------------------------------------------===//

#include "GPUKernelHelpers.h"
#include "MmaMatmulKernel.h"
#include "ShardedMatmulKernel.h"

#include "vptq/Conversion/Passes.h"
#include "vptq/Conversion/TransformerKernels.h"
#include "vptq/Conversion/WeightAccess.h"
#include "vptq/Transforms/Heuristics.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir::vptq {
#define GEN_PASS_DEF_CONVERTVPTQTOGPU
#include "vptq/Conversion/Passes.h.inc"
} // namespace mlir::vptq

using namespace mlir;
using namespace mlir::vptq;
using namespace mlir::vptq::gpu_kernels;

namespace {


//===----------------------------------------------------------------------===//
// vptq.matmul
//===----------------------------------------------------------------------===//

/// Emits the body of the fused matmul kernel (see the pass description).
class MatmulKernelEmitter {
public:
  /// `gridDependency`: wait for the previous kernel of the stream
  /// (griddepcontrol) after staging what does not depend on it.
  MatmulKernelEmitter(MatmulOp op, KernelFunc &kernel, TilingAttr tiling,
                      PlacementAttr placement, const TargetInfo &target,
                      bool gridDependency)
      : gridDependency(gridDependency), cfg(op.getConfig().getLayerConfig()),
        wa(mapWeightAccess(op, kernel.args)), modelType(wa.modelType()),
        tiling(tiling), placement(placement),
        layout(getSimtSharedMemoryLayout(cfg, modelType, tiling, placement,
                                         target)),
        codeGroup(getDirectCodeGroup(cfg, tiling, placement)),
        x(kernel.args.lookup(op.getInput())),
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
    const int64_t V = cfg.vectorLen;
    Type f32 = b.getF32Type();

    tid = gpu::ThreadIdOp::create(b, loc, gpu::Dimension::x);
    Value warp = arith::DivUIOp::create(b, loc, tid, e.index(kThreadsPerWarp));
    lane = arith::RemUIOp::create(b, loc, tid, e.index(kThreadsPerWarp));
    blockRow = arith::DivUIOp::create(b, loc, warp, e.index(S));
    split = arith::RemUIOp::create(b, loc, warp, e.index(S));
    firstBatch = e.mul(gpu::BlockIdOp::create(b, loc, gpu::Dimension::y),
                       e.index(Bt));
    batch = memref::DimOp::create(b, loc, x, 0);

    Value dsm = emitDynamicSharedMemory(b, loc);
    codebooks =
        SharedCodebooks::view(b, loc, dsm, layout, cfg, modelType, placement);
    const bool multicast = codebooks.multicast || codebooks.resMulticast;
    if (multicast)
      func->setAttr(
          NVVM::NVVMDialect::getClusterDimAttrName(),
          b.getDenseI32ArrayAttr({int32_t(kMulticastClusterBlocks), 1, 1}));
    // Each lane looks up whole entries of its own codes: lane mod 8 tells
    // apart the 8 lanes of a 16-byte-read wavefront.
    if (codebooks.replicated || codebooks.resReplicated)
      laneCopy =
          arith::RemUIOp::create(b, loc, lane, e.index(kCodebookCopies));
    if (!codeGroup)
      sharedCodes = sharedView(b, loc, dsm, layout.codes,
                               {R, layout.stagedWords}, b.getI32Type());
    sharedInputs = sharedView(b, loc, dsm, layout.inputs, {Bt, Kc}, f32);
    sharedPartials = sharedView(b, loc, dsm, layout.partials,
                                {R * S, Bt, V}, f32);
    if (layout.normBytes)
      sharedNorm = sharedView(b, loc, dsm, layout.norm, {R * S, Bt}, f32);
    if (layout.inputRowBytes)
      sharedRow =
          sharedView(b, loc, dsm, layout.inputRow, {Bt, cfg.inFeatures}, f32);

    // Blocks stage what does not depend on the row tile once, before the
    // row loop of persistent blocks: the codebooks of a single codebook
    // group and, when one chunk covers the group, its activations. The
    // codebook copy reads weights only, so it may overlap the end of the
    // kernel that writes the activations.
    hoistCodebooks = cfg.numCodebooks == 1;
    hoistInputs = hoistCodebooks && Kc >= cfg.groupSize;
    Value cb0 = e.index(0);
    if (hoistCodebooks)
      loadCodebooks(b, loc, cb0);
    if (multicast)
      codebooks.startMulticast(b, loc, cfg, modelType, wa.values(), dsm, layout,
                               tid, tiling.getThreads());
    // Staging reads the weights a thread can hold in registers (columns
    // through the permutation, scales, norm biases) before the wait, so
    // that only the loads of x follow it. With staged activation rows
    // (stagesInputRow) the block reads x, the scales and the norm term in
    // natural column order and the chunks gather their permuted columns
    // from shared memory; without, activations staged once may take the
    // norm term from the same loads when they are every input column (no
    // outliers).
    std::optional<ScaledInputStaging> rowStaging, staging;
    std::optional<ScaledInputStaging::Preloaded> rowPreloaded, preloaded;
    if (sharedRow) {
      rowStaging.emplace(ScaledInputStaging{
          wa, x, sharedRow, firstBatch, batch, Bt, cfg.inFeatures, Value(),
          cfg.inFeatures, /*wholeChunk=*/true, tid, tiling.getThreads(),
          [](const EmitContext &, Value col) { return col; }});
      if (rowStaging->canPreload())
        rowPreloaded = rowStaging->preload(b, loc, cfg.enableNorm);
    }
    const bool normFromRow = rowPreloaded && cfg.enableNorm;
    bool normFromInputs = false;
    if (hoistInputs) {
      staging.emplace(inputStaging(b, loc, cb0, cb0));
      if (staging->canPreload()) {
        normFromInputs = !sharedRow && cfg.enableNorm && !cfg.hasOutliers();
        preloaded = staging->preload(b, loc, normFromInputs);
      }
    }
    if (gridDependency)
      emitGridDependencyWait(b, loc);
    if (rowStaging) {
      SmallVector<Value> sums = rowStaging->stage(b, loc, rowPreloaded);
      if (normFromRow)
        storeNormPartials(b, loc, sums, warp, lane, sharedNorm);
      // The chunks gather from the whole row.
      gpu::BarrierOp::create(b, loc);
    }
    if (cfg.enableNorm && !normFromRow && !normFromInputs)
      emitNormTerm(b, loc, warp);
    if (staging) {
      SmallVector<Value> sums = staging->stage(b, loc, preloaded);
      if (normFromInputs)
        storeNormPartials(b, loc, sums, warp, lane, sharedNorm);
    }
    if (multicast)
      codebooks.waitMulticast(b, loc, dsm, layout);
    // With codes read into registers the row tiles stage nothing: one
    // barrier publishes what the block staged here.
    if (stagesNothingPerTile())
      gpu::BarrierOp::create(b, loc);

    Value blockX = gpu::BlockIdOp::create(b, loc, gpu::Dimension::x);
    if (loopsOverTiles()) {
      emitFor(b, loc, blockX, e.index(ceilDiv(cfg.numIndexRows(), R)),
              e.index(getPersistentStride(tiling, placement)),
              [&](OpBuilder &nb, Value tile) { emitRowTile(nb, loc, tile); });
    } else {
      emitRowTile(b, loc, blockX);
    }
    if (multicast)
      SharedCodebooks::finishMulticast(b, loc);
    gpu::ReturnOp::create(b, loc);
  }

private:
  /// Copies codebook group `cb` into shared memory, or into the lanes'
  /// registers, where the placement puts it.
  void loadCodebooks(OpBuilder &b, Location loc, Value cb) {
    codebooks.copyGroup(b, loc, cfg, wa.values(), cb, tid,
                        tiling.getThreads());
    if (placement.getCentroids() == CodebookPlacement::Registers)
      laneMain = loadLaneEntry(b, loc, wa.values().centroids, cb,
                               cfg.numCentroids);
    if (cfg.hasResidual() &&
        placement.getResCentroids() == CodebookPlacement::Registers)
      laneRes = loadLaneEntry(b, loc, wa.values().resCentroids, cb,
                              cfg.numResCentroids);
  }

  /// Computes and stores the outputs of row tile `tile` (block_rows index
  /// rows) for the block's batch rows.
  void emitRowTile(OpBuilder &b, Location loc, Value tile) {
    EmitContext e{b, loc};
    const int64_t R = tiling.getBlockRows(), Kc = tiling.getKChunk();
    const int64_t Bt = tiling.getBatchTile(), V = cfg.vectorLen;
    Type f32 = b.getF32Type();
    Value firstRow = e.mul(tile, e.index(R));
    Value row = e.add(firstRow, blockRow);
    // Rows past the end compute on the last row and store nothing, so that
    // every warp takes part in barriers and shuffles.
    Value rowInRange = cmp(b, loc, arith::CmpIPredicate::ult, row,
                           e.index(cfg.numIndexRows()));
    Value safeRow = e.min(row, e.index(cfg.numIndexRows() - 1));

    auto vecType = VectorType::get({V}, f32);
    Value zeroVec = arith::ConstantOp::create(
        b, loc, vecType, DenseElementsAttr::get(vecType, 0.0f));
    SmallVector<Value> init(Bt, zeroVec);
    Value c0 = e.index(0), c1 = e.index(1);
    SmallVector<Value> accs = emitForAcc(
        b, loc, c0, e.index(cfg.numCodebooks), c1, init,
        [&](OpBuilder &b1, Value cb, ValueRange accIn) {
          EmitContext e1{b1, loc};
          if (!hoistCodebooks) {
            // The previous codebook's readers must be done before its
            // shared copy is overwritten.
            gpu::BarrierOp::create(b1, loc);
            loadCodebooks(b1, loc, cb);
          }
          return emitForAcc(
              b1, loc, c0, e1.index(cfg.groupSize), e1.index(Kc), accIn,
              [&](OpBuilder &b2, Value k0, ValueRange acc) {
                if (stagesNothingPerTile())
                  return computeDirect(b2, loc, cb, safeRow, k0, acc);
                gpu::BarrierOp::create(b2, loc);
                if (!codeGroup)
                  stageCodes(b2, loc, cb, firstRow, k0);
                if (!hoistInputs)
                  stageInputs(b2, loc, cb, k0);
                gpu::BarrierOp::create(b2, loc);
                return codeGroup
                           ? computeDirect(b2, loc, cb, safeRow, k0, acc)
                           : computeChunk(b2, loc, cb, acc);
              });
        });

    // Each warp publishes its sums. Without staging, this barrier keeps
    // the previous row tile's partials until its epilogue has read them.
    if (stagesNothingPerTile() && loopsOverTiles())
      gpu::BarrierOp::create(b, loc);
    Value warp = arith::DivUIOp::create(b, loc, tid, e.index(kThreadsPerWarp));
    storeWarpSums(b, loc, accs, lane, V, [&](OpBuilder &nb, Value sum,
                                             Value j, Value l) {
      memref::StoreOp::create(nb, loc, sum, sharedPartials,
                              ValueRange{warp, j, l});
    });
    gpu::BarrierOp::create(b, loc);

    // Lanes l < V of the first warp of each row write output row
    // row * V + l for each batch row.
    Value writer = andI(
        b, loc, cmp(b, loc, arith::CmpIPredicate::eq, split, c0),
        andI(b, loc, rowInRange,
             cmp(b, loc, arith::CmpIPredicate::ult, lane, e.index(V))));
    emitIf(b, loc, writer, [&](OpBuilder &nb) {
      emitEpilogue(nb, loc, safeRow);
    });
  }

  /// Norm term per batch row: sum_j x[b, j] * weight_bias[j], as per-warp
  /// partials in shared memory (summed in the epilogue).
  void emitNormTerm(OpBuilder &b, Location loc, Value warp) {
    emitNormTermPartials(b, loc, wa, x, firstBatch, tiling.getBatchTile(), tid,
                         tiling.getThreads(), warp, lane, sharedNorm);
  }

  /// Lane L's share of a codebook held in registers: entry L as
  /// vector<V x f32> (zeros for lanes past the codebook).
  Value loadLaneEntry(OpBuilder &b, Location loc, Value codebook, Value cb,
                      int64_t entries) {
    EmitContext e{b, loc};
    auto vecType = VectorType::get({cfg.vectorLen}, b.getF32Type());
    Value inRange =
        cmp(b, loc, arith::CmpIPredicate::ult, lane, e.index(entries));
    Value entry = e.min(lane, e.index(entries - 1));
    Value vec = WeightAccess::emitGather(e, codebook, cb, entry,
                                         cfg.vectorLen);
    Value zero = arith::ConstantOp::create(
        b, loc, vecType, DenseElementsAttr::get(vecType, 0.0f));
    return emitSelect(b, loc, inRange, vec, zero);
  }

  /// Gathers entry `entry` (an index) of a codebook spread over the lanes.
  Value gatherFromLanes(OpBuilder &b, Location loc, Value laneEntry,
                        Value entry) {
    EmitContext e{b, loc};
    Value src = arith::IndexCastUIOp::create(b, loc, b.getI32Type(), entry);
    SmallVector<Value> elems;
    for (int64_t l = 0; l < cfg.vectorLen; ++l) {
      Value v = vector::ExtractOp::create(b, loc, laneEntry,
                                          ArrayRef<int64_t>{l});
      elems.push_back(gpu::ShuffleOp::create(b, loc, v, src,
                                             e.i32(kThreadsPerWarp),
                                             gpu::ShuffleMode::IDX)
                          .getShuffleResult());
    }
    return vector::FromElementsOp::create(
        b, loc, VectorType::get({cfg.vectorLen}, b.getF32Type()), elems);
  }

  /// Gathers a codebook vector from where `place` says it lives (the
  /// lane's copy of a replicated one).
  Value gather(OpBuilder &b, Location loc, CodebookPlacement place,
               Value global, Value shared, Value laneEntry, Value cb,
               Value entry) {
    if (place == CodebookPlacement::Registers)
      return gatherFromLanes(b, loc, laneEntry, entry);
    return SharedCodebooks::gather(
        EmitContext{b, loc}, cfg, shared, global, cb, entry,
        place == CodebookPlacement::Replicated ? laneCopy : Value());
  }

  /// Copies this chunk's codes of the block's rows into shared memory:
  /// packed index words with the widest aligned vector loads, or unpacked
  /// indices combined into one code per element.
  void stageCodes(OpBuilder &b, Location loc, Value cb, Value firstRow,
                  Value k0) {
    EmitContext e{b, loc};
    const int64_t R = tiling.getBlockRows(), threads = tiling.getThreads();
    const int64_t staged = layout.stagedWords;
    Value rows = e.index(cfg.numIndexRows());
    if (cfg.packed) {
      const int64_t bits = cfg.indexBits + cfg.resIndexBits;
      const int64_t rowWords = cfg.packedWordsPerRow();
      const int64_t chunkStep = tiling.getKChunk() * bits / 32;
      // Vector width: chunk starts and row starts must stay aligned.
      int64_t width = 4;
      while (width > 1 && (rowWords % width || chunkStep % width))
        width /= 2;
      Value w0 = arith::DivUIOp::create(
          b, loc, e.mul(k0, e.index(bits)), e.index(32));
      int64_t perRow = staged / width;
      auto vecType = VectorType::get({width}, b.getI32Type());
      Value zero = arith::ConstantOp::create(
          b, loc, vecType, DenseElementsAttr::get(vecType, int32_t(0)));
      auto split = [&](const EmitContext &ne, Value item) {
        Value r = arith::DivUIOp::create(ne.b, loc, item, ne.index(perRow));
        Value wordInChunk = ne.mul(
            arith::RemUIOp::create(ne.b, loc, item, ne.index(perRow)),
            ne.index(width));
        return std::make_pair(r, wordInChunk);
      };
      emitThreadRounds(b, loc, tid, R * perRow, threads,
                       [&](const EmitContext &ne, Value item) -> Value {
        OpBuilder &nb = ne.b;
        Value r, wordInChunk;
        std::tie(r, wordInChunk) = split(ne, item);
        Value srcRow = ne.add(firstRow, r);
        Value word = ne.add(w0, wordInChunk);
        // Whole vectors are in or out: rowWords is a multiple of width.
        Value valid = andI(
            nb, loc, cmp(nb, loc, arith::CmpIPredicate::ult, srcRow, rows),
            cmp(nb, loc, arith::CmpIPredicate::ult, word,
                ne.index(rowWords)));
        auto ifOp = scf::IfOp::create(
            nb, loc, valid,
            [&](OpBuilder &tb, Location) {
              auto load = vector::LoadOp::create(
                  tb, loc, vecType, wa.values().indices,
                  ValueRange{cb, srcRow, word});
              load.setAlignment(width * 4);
              scf::YieldOp::create(tb, loc, load.getResult());
            },
            [&](OpBuilder &eb, Location) {
              scf::YieldOp::create(eb, loc, zero);
            });
        return ifOp.getResult(0);
      }, [&](const EmitContext &ne, Value item, Value v) {
        Value r, wordInChunk;
        std::tie(r, wordInChunk) = split(ne, item);
        vector::StoreOp::create(ne.b, loc, v, sharedCodes,
                                ValueRange{r, wordInChunk})
            .setAlignment(width * 4);
      });
      return;
    }
    // Unpacked: code = res << index_bits | idx, zero past the row's end.
    emitFor(b, loc, tid, e.index(R * staged), e.index(threads),
            [&](OpBuilder &nb, Value item) {
      EmitContext ne{nb, loc};
      Value r = arith::DivUIOp::create(nb, loc, item, ne.index(staged));
      Value g = arith::RemUIOp::create(nb, loc, item, ne.index(staged));
      Value srcRow = ne.add(firstRow, r);
      Value col = ne.add(k0, g);
      Value valid = andI(
          nb, loc, cmp(nb, loc, arith::CmpIPredicate::ult, srcRow, rows),
          cmp(nb, loc, arith::CmpIPredicate::ult, col,
              ne.index(cfg.groupSize)));
      auto ifOp = scf::IfOp::create(
          nb, loc, valid,
          [&](OpBuilder &tb, Location) {
            EmitContext te{tb, loc};
            auto [idx, res] = wa.emitIndices(te, cb, srcRow, col);
            Value code = arith::IndexCastUIOp::create(tb, loc,
                                                      tb.getI32Type(), idx);
            if (res)
              code = arith::OrIOp::create(
                  tb, loc, code,
                  arith::ShLIOp::create(
                      tb, loc,
                      arith::IndexCastUIOp::create(tb, loc, tb.getI32Type(),
                                                   res),
                      te.i32(cfg.indexBits)));
            scf::YieldOp::create(tb, loc, code);
          },
          [&](OpBuilder &eb, Location) {
            scf::YieldOp::create(eb, loc, EmitContext{eb, loc}.i32(0));
          });
      memref::StoreOp::create(nb, loc, ifOp.getResult(0), sharedCodes,
                              ValueRange{r, g});
    });
  }

  /// Staging of x'[j, g] = x[b0 + j, perm[col]] * scale[perm[col]] for the
  /// columns col of the chunk from k0 on of group `cb`; zero past the batch
  /// or the group.
  ScaledInputStaging inputStaging(OpBuilder &b, Location loc, Value cb,
                                  Value k0) const {
    auto column = [this, cb](const EmitContext &te, Value c) {
      Value colBase = te.add(te.index(cfg.outlierSize),
                             te.mul(cb, te.index(cfg.groupSize)));
      return wa.emitInputColumn(te, te.add(colBase, c));
    };
    // Chunks that divide the group are whole: no clamps or masks.
    return ScaledInputStaging{wa,
                              x,
                              sharedInputs,
                              firstBatch,
                              batch,
                              tiling.getBatchTile(),
                              tiling.getKChunk(),
                              k0,
                              cfg.groupSize,
                              cfg.groupSize % tiling.getKChunk() == 0,
                              tid,
                              tiling.getThreads(),
                              column,
                              sharedRow};
  }

  /// Stages the chunk from k0 on of group `cb` (inputStaging).
  void stageInputs(OpBuilder &b, Location loc, Value cb, Value k0) {
    inputStaging(b, loc, cb, k0).emit(b, loc);
  }

  /// True when row tiles stage neither codes nor activations (codes read
  /// into registers, activations staged once before the row loop).
  bool stagesNothingPerTile() const { return codeGroup && hoistInputs; }

  /// True when a block computes several row tiles.
  bool loopsOverTiles() const {
    int64_t persistent = getPersistentStride(tiling, placement);
    return persistent > 0 &&
           persistent < ceilDiv(cfg.numIndexRows(), tiling.getBlockRows());
  }

  /// The index words of step `q` (codeGroup codes) of row `row` of group
  /// `cb`, read from global memory (q clamped to the row's last step, so
  /// that a prefetch past the end reads valid memory).
  SmallVector<Value> loadStepWords(OpBuilder &b, Location loc, Value cb,
                                   Value row, Value q) {
    EmitContext e{b, loc};
    const int64_t words = codeGroup * (cfg.indexBits + cfg.resIndexBits) / 32;
    const int64_t steps = cfg.groupSize / codeGroup;
    Value w0 = e.mul(e.min(q, e.index(steps - 1)), e.index(words));
    // One vector load when the step's words are 2 or 4 aligned ones.
    bool vector =
        (words == 2 || words == 4) && cfg.packedWordsPerRow() % words == 0;
    return emitLoadWords(e, wa.values().indices, cb, row, w0, words,
                         vector ? words : 1);
  }

  /// The work of the chunk from column k0 on with codes read into
  /// registers (codeGroup codes per lane and step): lane L of split s of
  /// row `row` takes the chunk's steps s * 32 + L, + 32 * warps_per_row,
  /// ..., loading the next step's words before it computes the current
  /// one.
  SmallVector<Value> computeDirect(OpBuilder &b, Location loc, Value cb,
                                   Value row, Value k0, ValueRange accIn) {
    EmitContext e{b, loc};
    const int64_t G = codeGroup, Bt = tiling.getBatchTile();
    const int64_t bits = cfg.indexBits + cfg.resIndexBits;
    const int64_t Kc = tiling.getKChunk();
    const int64_t stride = kThreadsPerWarp * tiling.getWarpsPerRow();
    // Steps of the row: the chunk's start (a multiple of G) and end.
    Value firstStep = arith::DivUIOp::create(b, loc, k0, e.index(G));
    Value steps = e.index(cfg.groupSize / G);
    if (Kc < cfg.groupSize)
      steps = e.min(steps, e.add(firstStep, e.index(Kc / G)));
    // Activations in vectors of up to 4 f32: rows of k_chunk elements, a
    // step's G (>= 8) at a multiple of G.
    int64_t piece = 4;
    while (piece > 1 && Bt > 1 && Kc % piece)
      piece /= 2;
    auto vecType = VectorType::get({cfg.vectorLen}, b.getF32Type());
    auto pieceType = VectorType::get({piece}, b.getF32Type());
    Value first = e.add(firstStep,
                        e.add(e.mul(split, e.index(kThreadsPerWarp)), lane));
    SmallVector<Value> init(accIn.begin(), accIn.end());
    llvm::append_range(init, loadStepWords(b, loc, cb, row, first));
    SmallVector<Value> results = emitForAcc(
        b, loc, first, steps, e.index(stride), init,
        [&](OpBuilder &nb, Value q, ValueRange it) {
          EmitContext ne{nb, loc};
          SmallVector<Value> acc(it.take_front(Bt));
          SmallVector<Value> words(it.drop_front(Bt));
          SmallVector<Value> next =
              loadStepWords(nb, loc, cb, row, ne.add(q, ne.index(stride)));
          // The step's first column within the chunk.
          Value g0 = arith::SubIOp::create(nb, loc, ne.mul(q, ne.index(G)), k0);
          SmallVector<SmallVector<Value>> xs(Bt);
          for (int64_t j = 0; j < Bt; ++j)
            for (int64_t p = 0; p < G; p += piece) {
              auto load = vector::LoadOp::create(
                  nb, loc, pieceType, sharedInputs,
                  ValueRange{ne.index(j), ne.add(g0, ne.index(p))});
              load.setAlignment(piece * 4);
              xs[j].push_back(load.getResult());
            }
          for (int64_t c = 0; c < G; ++c) {
            auto [idx, res] = emitSplitCode(
                ne, emitExtractCode(ne, words, c, bits), cfg.indexBits,
                cfg.resIndexBits);
            Value vec = gather(nb, loc, placement.getCentroids(),
                               wa.values().centroids, codebooks.centroids,
                               laneMain, cb, idx);
            if (res)
              vec = ne.add(vec, gather(nb, loc, placement.getResCentroids(),
                                       wa.values().resCentroids,
                                       codebooks.resCentroids, laneRes, cb,
                                       res));
            for (int64_t j = 0; j < Bt; ++j) {
              Value xv = vector::ExtractOp::create(
                  nb, loc, xs[j][c / piece], ArrayRef<int64_t>{c % piece});
              Value xb = vector::BroadcastOp::create(nb, loc, vecType, xv);
              acc[j] = vector::FMAOp::create(nb, loc, xb, vec, acc[j]);
            }
          }
          llvm::append_range(acc, next);
          return acc;
        });
    results.resize(Bt);
    return results;
  }

  /// Each warp walks its share of the chunk's codes: lanes take
  /// consecutive codes, the warps of a row interleave by 32 codes.
  SmallVector<Value> computeChunk(OpBuilder &b, Location loc, Value cb,
                                  ValueRange accIn) {
    EmitContext e{b, loc};
    const int64_t S = tiling.getWarpsPerRow(), Kc = tiling.getKChunk();
    const int64_t bits = cfg.indexBits + cfg.resIndexBits;
    auto vecType = VectorType::get({cfg.vectorLen}, b.getF32Type());
    Value first = e.add(e.mul(split, e.index(kThreadsPerWarp)), lane);
    return emitForAcc(
        b, loc, first, e.index(Kc), e.index(kThreadsPerWarp * S), accIn,
        [&](OpBuilder &nb, Value g, ValueRange acc) {
          EmitContext ne{nb, loc};
          Value code;
          if (cfg.packed)
            code = emitExtractBits(ne, sharedCodes, {blockRow},
                                   ne.mul(g, ne.index(bits)), bits,
                                   layout.stagedWords);
          else
            code = memref::LoadOp::create(nb, loc, sharedCodes,
                                          ValueRange{blockRow, g});
          auto [idx, res] =
              emitSplitCode(ne, code, cfg.indexBits, cfg.resIndexBits);
          Value vec = gather(nb, loc, placement.getCentroids(),
                             wa.values().centroids, codebooks.centroids,
                             laneMain,
                             cb, idx);
          if (res)
            vec = ne.add(vec, gather(nb, loc, placement.getResCentroids(),
                                     wa.values().resCentroids,
                                     codebooks.resCentroids, laneRes, cb,
                                     res));
          SmallVector<Value> next;
          for (int64_t j = 0; j < tiling.getBatchTile(); ++j) {
            Value xv = memref::LoadOp::create(nb, loc, sharedInputs,
                                              ValueRange{ne.index(j), g});
            Value xb = vector::BroadcastOp::create(nb, loc, vecType, xv);
            next.push_back(vector::FMAOp::create(nb, loc, xb, vec, acc[j]));
          }
          return next;
        });
  }

  /// Writes output row `indexRow * V + lane` for each batch row: the warps'
  /// partial sums, outliers, the norm term and the bias.
  void emitEpilogue(OpBuilder &b, Location loc, Value indexRow) {
    EmitContext e{b, loc};
    const int64_t S = tiling.getWarpsPerRow();
    const int64_t warps = tiling.getBlockRows() * S;
    Value outRow = e.add(e.mul(indexRow, e.index(cfg.vectorLen)), lane);
    Value c0 = e.index(0), c1 = e.index(1);
    emitIf(b, loc,
           cmp(b, loc, arith::CmpIPredicate::ult, outRow,
               e.index(cfg.outFeatures)),
           [&](OpBuilder &b1) {
      EmitContext e1{b1, loc};
      for (int64_t j = 0; j < tiling.getBatchTile(); ++j) {
        Value bj = e1.add(firstBatch, e1.index(j));
        emitIf(b1, loc, cmp(b1, loc, arith::CmpIPredicate::ult, bj, batch),
               [&](OpBuilder &b2) {
          EmitContext e2{b2, loc};
          Value warp0 = e2.mul(blockRow, e2.index(S));
          Value val = emitForAcc(
              b2, loc, c0, e2.index(S), c1, {e2.f32(0)},
              [&](OpBuilder &b3, Value s, ValueRange acc) {
                Value v = memref::LoadOp::create(
                    b3, loc, sharedPartials,
                    ValueRange{EmitContext{b3, loc}.add(warp0, s),
                               EmitContext{b3, loc}.index(j), lane});
                return SmallVector<Value>{EmitContext{b3, loc}.add(acc[0], v)};
              })[0];
          if (cfg.hasOutliers())
            val = emitForAcc(
                b2, loc, c0, e2.index(cfg.outlierSize), c1, {val},
                [&](OpBuilder &b3, Value o, ValueRange acc) {
                  EmitContext e3{b3, loc};
                  Value p = wa.emitInputColumn(e3, o);
                  Value xv = wa.emitScaledInput(e3, x, bj, p);
                  Value wv = wa.emitOutlierWeight(e3, outRow, o);
                  return SmallVector<Value>{e3.add(acc[0], e3.mul(xv, wv))};
                })[0];
          if (sharedNorm)
            val = emitForAcc(
                b2, loc, c0, e2.index(warps), c1, {val},
                [&](OpBuilder &b3, Value w, ValueRange acc) {
                  Value v = memref::LoadOp::create(
                      b3, loc, sharedNorm,
                      ValueRange{w, EmitContext{b3, loc}.index(j)});
                  return SmallVector<Value>{
                      EmitContext{b3, loc}.add(acc[0], v)};
                })[0];
          emitStoreOutput(e2, val, bias, y, bj, outRow);
        });
      }
    });
  }

  bool gridDependency;
  LayerConfig cfg;
  WeightAccess wa;
  Type modelType;
  TilingAttr tiling;
  PlacementAttr placement;
  SharedMemoryLayout layout;
  /// Codes per lane and step when codes are read into registers
  /// (getDirectCodeGroup), else 0.
  int64_t codeGroup;
  Value x, y, bias;
  gpu::GPUFuncOp func;
  // Set while emitting.
  Value tid, lane, blockRow, split, firstBatch, batch;
  SharedCodebooks codebooks;
  /// The copy of replicated codebooks the lane reads.
  Value laneCopy;
  /// Codebooks in the lanes' registers (Registers placement), of the
  /// current group.
  Value laneMain, laneRes;
  /// Persistent blocks: codebooks (and activations) staged once per block.
  bool hoistCodebooks = false, hoistInputs = false;
  Value sharedCodes, sharedInputs, sharedPartials, sharedNorm, sharedRow;
};

//===----------------------------------------------------------------------===//
// vptq.linear: one warp per output row
//===----------------------------------------------------------------------===//

/// The widest vector of `elemBytes`-byte elements, at most 16 bytes, that
/// divides `count` (so every vector stays inside its row).
int64_t denseVectorWidth(int64_t count, int64_t elemBytes) {
  int64_t width = 16 / elemBytes;
  while (width > 1 && count % width)
    width /= 2;
  return width;
}

/// Emits a dense GEMV/GEMM kernel: warp w of block (bx, by) computes output
/// row bx * block_rows + w for batch rows [by * batch_tile, ...); lanes
/// stride along K with vector loads (coalesced across the warp), multiply
/// by the activations in f32 and reduce with shuffles.
void emitLinearKernel(LinearOp op, KernelFunc &kernel, TilingAttr tiling) {
  Value x = kernel.args.lookup(op.getInput());
  Value w = kernel.args.lookup(op.getWeight());
  Value y = kernel.args.lookup(op.getInit());
  Value bias = op.getBias() ? kernel.args.lookup(op.getBias()) : Value();
  auto weightType = cast<MemRefType>(w.getType());
  Type xElem = cast<MemRefType>(x.getType()).getElementType();
  const int64_t out = weightType.getDimSize(0), in = weightType.getDimSize(1);
  const int64_t Bt = tiling.getBatchTile();
  int64_t width = std::min(
      denseVectorWidth(in, weightType.getElementType().getIntOrFloatBitWidth() / 8),
      denseVectorWidth(in, xElem.getIntOrFloatBitWidth() / 8));
  OpBuilder b = OpBuilder::atBlockBegin(&kernel.func.getBody().front());
  Location loc = op.getLoc();
  EmitContext e{b, loc};
  Value tid = gpu::ThreadIdOp::create(b, loc, gpu::Dimension::x);
  Value warp = arith::DivUIOp::create(b, loc, tid, e.index(kThreadsPerWarp));
  Value lane = arith::RemUIOp::create(b, loc, tid, e.index(kThreadsPerWarp));
  Value row = e.add(e.mul(gpu::BlockIdOp::create(b, loc, gpu::Dimension::x),
                          e.index(tiling.getBlockRows())),
                    warp);
  Value rowInRange =
      cmp(b, loc, arith::CmpIPredicate::ult, row, e.index(out));
  // Warps past the last row compute on it and store nothing, so that every
  // lane takes part in the shuffles.
  Value safeRow = e.min(row, e.index(out - 1));
  Value firstBatch = e.mul(gpu::BlockIdOp::create(b, loc, gpu::Dimension::y),
                           e.index(Bt));
  Value batch = memref::DimOp::create(b, loc, x, 0);
  Value lastBatch = arith::SubIOp::create(b, loc, batch, e.index(1));
  SmallVector<Value> rows;
  for (int64_t j = 0; j < Bt; ++j)
    rows.push_back(e.min(e.add(firstBatch, e.index(j)), lastBatch));

  auto vecType = VectorType::get({width}, b.getF32Type());
  Value zero = arith::ConstantOp::create(
      b, loc, vecType, DenseElementsAttr::get(vecType, 0.0f));
  SmallVector<Value> init(Bt, zero);
  auto load = [&](OpBuilder &ob, Value memref, Value r, Value k) {
    Type elem = cast<MemRefType>(memref.getType()).getElementType();
    auto l = vector::LoadOp::create(ob, loc, VectorType::get({width}, elem),
                                    memref, ValueRange{r, k});
    l.setAlignment(width * (elem.getIntOrFloatBitWidth() / 8));
    return EmitContext{ob, loc}.toF32(l);
  };
  SmallVector<Value> acc = emitForAcc(
      b, loc, e.mul(lane, e.index(width)), e.index(in),
      e.index(kThreadsPerWarp * width), init,
      [&](OpBuilder &nb, Value k, ValueRange accIn) {
        Value wv = load(nb, w, safeRow, k);
        SmallVector<Value> next;
        for (int64_t j = 0; j < Bt; ++j)
          next.push_back(vector::FMAOp::create(nb, loc, load(nb, x, rows[j], k),
                                               wv, accIn[j]));
        return next;
      });
  SmallVector<Value> sums;
  for (int64_t j = 0; j < Bt; ++j)
    sums.push_back(warpAllReduce(
        b, loc,
        vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD,
                                    acc[j])));
  Value writer = andI(b, loc, rowInRange,
                      cmp(b, loc, arith::CmpIPredicate::eq, lane, e.index(0)));
  emitIf(b, loc, writer, [&](OpBuilder &nb) {
    EmitContext ne{nb, loc};
    Type outElem = cast<MemRefType>(y.getType()).getElementType();
    for (int64_t j = 0; j < Bt; ++j) {
      Value bj = ne.add(firstBatch, ne.index(j));
      emitIf(nb, loc, cmp(nb, loc, arith::CmpIPredicate::ult, bj, batch),
             [&](OpBuilder &sb) {
               EmitContext se{sb, loc};
               Value v = sums[j];
               if (bias)
                 v = se.add(v, se.loadF32(bias, {row}));
               memref::StoreOp::create(sb, loc, se.fromF32(v, outElem), y,
                                       ValueRange{bj, row});
             });
    }
  });
  gpu::ReturnOp::create(b, loc);
}

//===----------------------------------------------------------------------===//
// vptq.dequant and vptq.unpack_indices: one thread per code
//===----------------------------------------------------------------------===//

/// The global thread index of a 1-D launch.
Value globalThreadId(OpBuilder &b, Location loc) {
  EmitContext e{b, loc};
  Value block = gpu::BlockIdOp::create(b, loc, gpu::Dimension::x);
  Value thread = gpu::ThreadIdOp::create(b, loc, gpu::Dimension::x);
  return e.add(e.mul(block, e.index(kElementwiseThreads)), thread);
}

/// Splits a flat code number into (codebook, index row, column).
std::tuple<Value, Value, Value> splitCodeNumber(const EmitContext &e,
                                                Value item,
                                                const LayerConfig &c) {
  Value perCodebook = e.index(c.numIndexRows() * c.groupSize);
  Value cb = arith::DivUIOp::create(e.b, e.loc, item, perCodebook);
  Value rest = arith::RemUIOp::create(e.b, e.loc, item, perCodebook);
  Value n = arith::DivUIOp::create(e.b, e.loc, rest, e.index(c.groupSize));
  Value g = arith::RemUIOp::create(e.b, e.loc, rest, e.index(c.groupSize));
  return {cb, n, g};
}

int64_t emitDequantKernel(DequantOp op, KernelFunc &kernel) {
  LayerConfig c = op.getConfig().getLayerConfig();
  WeightAccess wa(c, mapWeights(getWeightValues(op), kernel.args));
  Value w = kernel.args.lookup(op.getInit());
  OpBuilder b = OpBuilder::atBlockBegin(&kernel.func.getBody().front());
  Location loc = op.getLoc();
  EmitContext e{b, loc};
  Value item = globalThreadId(b, loc);
  int64_t mainItems = c.numCodebooks * c.numIndexRows() * c.groupSize;
  int64_t outlierItems = c.hasOutliers() ? c.outFeatures * c.outlierSize : 0;
  Type outElem = cast<MemRefType>(w.getType()).getElementType();

  auto storeColumn = [&](const EmitContext &ec, Value val, Value row,
                         Value p) {
    if (c.enableNorm)
      val = ec.add(ec.mul(val, ec.loadF32(wa.values().weightScale, {p})),
                   ec.loadF32(wa.values().weightBias, {p}));
    memref::StoreOp::create(ec.b, loc, ec.fromF32(val, outElem), w,
                            ValueRange{row, p});
  };

  emitIf(b, loc,
         cmp(b, loc, arith::CmpIPredicate::ult, item, e.index(mainItems)),
         [&](OpBuilder &nb) {
    EmitContext ne{nb, loc};
    auto [cb, n, g] = splitCodeNumber(ne, item, c);
    auto [idx, res] = wa.emitIndices(ne, cb, n, g);
    Value vec = wa.emitWeightVector(ne, cb, idx, res);
    Value col = ne.add(ne.add(ne.index(c.outlierSize),
                              ne.mul(cb, ne.index(c.groupSize))),
                       g);
    Value p = wa.emitInputColumn(ne, col);
    for (int64_t l = 0; l < c.vectorLen; ++l) {
      Value row = ne.add(ne.mul(n, ne.index(c.vectorLen)), ne.index(l));
      emitIf(nb, loc,
             cmp(nb, loc, arith::CmpIPredicate::ult, row,
                 ne.index(c.outFeatures)),
             [&](OpBuilder &sb) {
               EmitContext se{sb, loc};
               Value val = vector::ExtractOp::create(sb, loc, vec,
                                                     ArrayRef<int64_t>{l});
               storeColumn(se, val, row, p);
             });
    }
  });
  if (outlierItems) {
    Value outlierItem = arith::SubIOp::create(b, loc, item, e.index(mainItems));
    Value isOutlier = andI(
        b, loc,
        cmp(b, loc, arith::CmpIPredicate::uge, item, e.index(mainItems)),
        cmp(b, loc, arith::CmpIPredicate::ult, outlierItem,
            e.index(outlierItems)));
    emitIf(b, loc, isOutlier, [&](OpBuilder &nb) {
      EmitContext ne{nb, loc};
      Value row = arith::DivUIOp::create(nb, loc, outlierItem,
                                         ne.index(c.outlierSize));
      Value o = arith::RemUIOp::create(nb, loc, outlierItem,
                                       ne.index(c.outlierSize));
      storeColumn(ne, wa.emitOutlierWeight(ne, row, o), row,
                  wa.emitInputColumn(ne, o));
    });
  }
  gpu::ReturnOp::create(b, loc);
  return mainItems + outlierItems;
}

int64_t emitUnpackKernel(UnpackIndicesOp op, KernelFunc &kernel) {
  LayerConfig c = op.getConfig().getLayerConfig();
  OpBuilder b = OpBuilder::atBlockBegin(&kernel.func.getBody().front());
  Location loc = op.getLoc();
  EmitContext e{b, loc};
  Value item = globalThreadId(b, loc);
  int64_t items = c.numCodebooks * c.numIndexRows() * c.groupSize;
  int64_t bits = c.indexBits + c.resIndexBits;
  Value packed = kernel.args.lookup(op.getPacked());
  Value idxOut = kernel.args.lookup(op.getIndicesInit());
  Value resOut = op.getResIndicesInit()
                     ? kernel.args.lookup(op.getResIndicesInit())
                     : Value();
  emitIf(b, loc, cmp(b, loc, arith::CmpIPredicate::ult, item, e.index(items)),
         [&](OpBuilder &nb) {
    EmitContext ne{nb, loc};
    Value cb, n, g;
    std::tie(cb, n, g) = splitCodeNumber(ne, item, c);
    Value code = emitExtractBits(ne, packed, {cb, n},
                                 ne.mul(g, ne.index(bits)), bits,
                                 c.packedWordsPerRow());
    auto [idx, res] = emitSplitCode(ne, code, c.indexBits, c.resIndexBits);
    auto store = [&](Value v, Value dst) {
      Type elem = cast<MemRefType>(dst.getType()).getElementType();
      memref::StoreOp::create(nb, loc,
                              arith::IndexCastUIOp::create(nb, loc, elem, v),
                              dst, ValueRange{cb, n, g});
    };
    store(idx, idxOut);
    if (res)
      store(res, resOut);
  });
  gpu::ReturnOp::create(b, loc);
  return items;
}

//===----------------------------------------------------------------------===//
// Transformer ops: one block row per token (see TransformerKernels.h)
//===----------------------------------------------------------------------===//

/// Threads per block of the row kernels and warps per block of attention.
constexpr int64_t kRowThreads = 256;
constexpr int64_t kAttentionWarps = 16;
/// Positions a warp of attention takes per step of its online softmax:
/// their key and value rows are loaded together. On an H100 (7B v8-k4096)
/// 4, 8 and 16 decoded alike; 8 and 16 prefilled 128 tokens 2-9 % slower
/// (64 and 128 registers against 60), and 32 warps per block did not help
/// (bench/results/2026-12-03-h100-decode-ops.md).
constexpr int64_t kAttentionUnroll = 4;

/// Lanes of one warp: shuffles reduce.
RowLanes warpLanes(Value lane) {
  RowLanes lanes;
  lanes.lane = lane;
  lanes.count = kThreadsPerWarp;
  lanes.reduce = [](OpBuilder &b, Location loc, Value v, bool max) {
    return warpAllReduce(b, loc, v, max);
  };
  return lanes;
}

/// Lanes of a whole block of kRowThreads threads: warp shuffles, then the
/// warps' partial results through `scratch` (kRowThreads / 32 floats of
/// workgroup memory).
RowLanes blockLanes(Value tid, Value scratch) {
  RowLanes lanes;
  lanes.lane = tid;
  lanes.count = kRowThreads;
  lanes.reduce = [tid, scratch](OpBuilder &b, Location loc, Value v,
                                bool max) {
    EmitContext e{b, loc};
    const int64_t warps = kRowThreads / kThreadsPerWarp;
    Value partial = warpAllReduce(b, loc, v, max);
    Value warp = arith::DivUIOp::create(b, loc, tid, e.index(kThreadsPerWarp));
    Value lane = arith::RemUIOp::create(b, loc, tid, e.index(kThreadsPerWarp));
    emitIf(b, loc, cmp(b, loc, arith::CmpIPredicate::eq, lane, e.index(0)),
           [&](OpBuilder &nb) {
             memref::StoreOp::create(nb, loc, partial, scratch,
                                     ValueRange{warp});
           });
    gpu::BarrierOp::create(b, loc);
    Value total = memref::LoadOp::create(b, loc, scratch,
                                         ValueRange{e.index(0)});
    for (int64_t w = 1; w < warps; ++w) {
      Value x = memref::LoadOp::create(b, loc, scratch, ValueRange{e.index(w)});
      total = max ? Value(arith::MaximumFOp::create(b, loc, total, x))
                  : e.add(total, x);
    }
    // The scratch may be reused by the next reduction.
    gpu::BarrierOp::create(b, loc);
    return total;
  };
  return lanes;
}

/// Points per block of vptq.nearest (one thread each).
constexpr int64_t kNearestPointsPerBlock = 256;

/// vptq.nearest: one thread per point, kNearestPointsPerBlock points per
/// block row (the launch's batch tile). Every thread of a warp reads the
/// same centroid at the same time: one broadcast load serves 32 points.
void emitNearestKernel(NearestOp op, ValueRange args, OpBuilder &b) {
  Location loc = op.getLoc();
  EmitContext e{b, loc};
  Value tid = gpu::ThreadIdOp::create(b, loc, gpu::Dimension::x);
  Value row = e.add(e.mul(gpu::BlockIdOp::create(b, loc, gpu::Dimension::y),
                          e.index(kNearestPointsPerBlock)),
                    tid);
  Value points = memref::DimOp::create(b, loc, args[0], 0);
  emitIf(b, loc, cmp(b, loc, arith::CmpIPredicate::ult, row, points),
         [&](OpBuilder &nb) {
           EmitContext ne{nb, loc};
           emitTransformerRow(nb, op, args, row, RowLanes::single(ne));
         });
}

/// vptq.gram: a one-dimensional grid of N x ceil(N / kRowThreads) blocks;
/// block x works on Hessian row x / blocksPerRow, each thread on one column
/// of it. Returns the grid size.
int64_t emitGramKernel(GramOp op, ValueRange args, OpBuilder &b) {
  Location loc = op.getLoc();
  EmitContext e{b, loc};
  int64_t n = cast<MemRefType>(op.getHessian().getType()).getDimSize(0);
  int64_t blocksPerRow = ceilDiv(n, kRowThreads);
  Value block = gpu::BlockIdOp::create(b, loc, gpu::Dimension::x);
  Value row = arith::DivUIOp::create(b, loc, block, e.index(blocksPerRow));
  Value part = arith::RemUIOp::create(b, loc, block, e.index(blocksPerRow));
  RowLanes lanes = RowLanes::single(e);
  lanes.lane = e.add(e.mul(part, e.index(kRowThreads)),
                     gpu::ThreadIdOp::create(b, loc, gpu::Dimension::x));
  lanes.count = blocksPerRow * kRowThreads;
  emitTransformerRow(b, op, args, row, lanes);
  return n * blocksPerRow;
}

/// vptq.attention: a block of kAttentionWarps warps per (head, row) (grid
/// (heads, rows)). Warp w runs the online softmax over positions w, w +
/// kAttentionWarps, ..., kAttentionUnroll of them per step, its lanes
/// splitting the head dimensions (so key and value rows load coalesced) and
/// reducing each score with xor shuffles;
/// the warps' states are then combined through workgroup memory, a thread
/// per head dimension. vptq.rotary_attention first makes the block's
/// appends (emitRotaryAttentionAppends) and waits for them at a barrier.
/// Returns (grid x, threads).
std::pair<int64_t, int64_t> emitAttentionKernel(Operation *op, ValueRange args,
                                                KernelFunc &kernel) {
  Location loc = op->getLoc();
  MLIRContext *ctx = op->getContext();
  const AttentionShape shape = AttentionShape::get(op);
  const AttentionOperands operands = AttentionOperands::get(op, args);
  const int64_t hd = shape.headDim;
  const int64_t width = ceilDiv(hd, kThreadsPerWarp) * kThreadsPerWarp;
  auto space = gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  auto scratchType = [&](int64_t n) {
    return MemRefType::get({n}, Float32Type::get(ctx),
                           MemRefLayoutAttrInterface(), space);
  };
  // Each warp's max and sum, and its slots of the weighted value sum.
  Value stats =
      kernel.func.addWorkgroupAttribution(scratchType(2 * kAttentionWarps), loc);
  Value sums = kernel.func.addWorkgroupAttribution(
      scratchType(kAttentionWarps * width), loc);
  OpBuilder b = OpBuilder::atBlockBegin(&kernel.func.getBody().front());
  EmitContext e{b, loc};
  Value tid = gpu::ThreadIdOp::create(b, loc, gpu::Dimension::x);
  Value warp = arith::DivUIOp::create(b, loc, tid, e.index(kThreadsPerWarp));
  Value lane = arith::RemUIOp::create(b, loc, tid, e.index(kThreadsPerWarp));
  Value head = gpu::BlockIdOp::create(b, loc, gpu::Dimension::x);
  Value row = gpu::BlockIdOp::create(b, loc, gpu::Dimension::y);
  if (auto fused = dyn_cast<RotaryAttentionOp>(op)) {
    RowLanes lanes = RowLanes::single(e);
    lanes.lane = tid;
    lanes.count = kAttentionWarps * kThreadsPerWarp;
    emitRotaryAttentionAppends(b, fused, args, row, head, lanes);
    // The block's stores to the query and the caches are visible to all
    // its threads past the barrier.
    gpu::BarrierOp::create(b, loc);
  }
  AttentionPartial state =
      emitAttentionPartial(b, loc, shape, operands, row, head, warpLanes(lane),
                           warp, kAttentionWarps, kAttentionUnroll);
  Value base = e.mul(warp, e.index(width));
  const int64_t slots = width / kThreadsPerWarp;
  for (int64_t s = 0; s < slots; ++s) {
    Value slot =
        vector::ExtractOp::create(b, loc, state.acc, ArrayRef<int64_t>{s});
    Value dim = state.contiguous
                    ? e.add(e.mul(lane, e.index(slots)), e.index(s))
                    : e.add(lane, e.index(kThreadsPerWarp * s));
    memref::StoreOp::create(b, loc, slot, sums, ValueRange{e.add(base, dim)});
  }
  emitIf(b, loc, cmp(b, loc, arith::CmpIPredicate::eq, lane, e.index(0)),
         [&](OpBuilder &nb) {
           EmitContext ne{nb, loc};
           Value at = ne.mul(warp, ne.index(2));
           memref::StoreOp::create(nb, loc, state.max, stats, ValueRange{at});
           memref::StoreOp::create(nb, loc, state.sum, stats,
                                   ValueRange{ne.add(at, ne.index(1))});
         });
  gpu::BarrierOp::create(b, loc);
  // out = sum_w exp(m_w - M) acc_w / sum_w exp(m_w - M) l_w, M = max_w m_w.
  // Warp 0 always has position 0, so M is finite; an idle warp (m = -inf)
  // weighs 0.
  Value out = operands.output;
  Type outType = cast<MemRefType>(out.getType()).getElementType();
  Value qBase = e.mul(head, e.index(hd));
  scf::ForOp::create(
      b, loc, tid, e.index(hd), e.index(kAttentionWarps * kThreadsPerWarp),
      ValueRange{}, [&](OpBuilder &nb, Location, Value d, ValueRange) {
        EmitContext ne{nb, loc};
        auto statAt = [&](int64_t w, int64_t k) {
          return memref::LoadOp::create(nb, loc, stats,
                                        ValueRange{ne.index(2 * w + k)})
              .getResult();
        };
        Value m = statAt(0, 0);
        for (int64_t w = 1; w < kAttentionWarps; ++w)
          m = arith::MaximumFOp::create(nb, loc, m, statAt(w, 0));
        Value num = ne.f32(0), den = ne.f32(0);
        for (int64_t w = 0; w < kAttentionWarps; ++w) {
          Value weight = math::ExpOp::create(
              nb, loc, arith::SubFOp::create(nb, loc, statAt(w, 0), m));
          Value acc = memref::LoadOp::create(
              nb, loc, sums, ValueRange{ne.add(ne.index(w * width), d)});
          num = ne.add(num, ne.mul(weight, acc));
          den = ne.add(den, ne.mul(weight, statAt(w, 1)));
        }
        Value y = arith::DivFOp::create(nb, loc, num, den);
        memref::StoreOp::create(nb, loc, ne.fromF32(y, outType), out,
                                ValueRange{row, ne.add(qBase, d)});
        scf::YieldOp::create(nb, loc);
      });
  gpu::ReturnOp::create(b, loc);
  return {shape.numHeads, kAttentionWarps * kThreadsPerWarp};
}

/// Emits the kernel of a transformer op and returns (grid x, threads).
std::pair<int64_t, int64_t> emitTransformerKernel(Operation *op,
                                                  KernelFunc &kernel) {
  SmallVector<Value> args;
  for (Value operand : op->getOperands())
    args.push_back(kernel.args.lookup(operand));
  Location loc = op->getLoc();
  if (isa<AttentionOp, RotaryAttentionOp>(op))
    return emitAttentionKernel(op, args, kernel);
  if (auto nearest = dyn_cast<NearestOp>(op)) {
    OpBuilder b = OpBuilder::atBlockBegin(&kernel.func.getBody().front());
    emitNearestKernel(nearest, args, b);
    gpu::ReturnOp::create(b, loc);
    return {1, kNearestPointsPerBlock};
  }
  if (auto gram = dyn_cast<GramOp>(op)) {
    OpBuilder b = OpBuilder::atBlockBegin(&kernel.func.getBody().front());
    int64_t blocks = emitGramKernel(gram, args, b);
    gpu::ReturnOp::create(b, loc);
    return {blocks, kRowThreads};
  }
  auto [blocks, wholeBlock] = gpuRowBlocks(op, kRowThreads);
  Value scratch;
  if (wholeBlock) {
    auto space = gpu::AddressSpaceAttr::get(op->getContext(),
                                            gpu::AddressSpace::Workgroup);
    auto type = MemRefType::get({kRowThreads / kThreadsPerWarp},
                                Float32Type::get(op->getContext()),
                                MemRefLayoutAttrInterface(), space);
    scratch = kernel.func.addWorkgroupAttribution(type, loc);
  }
  OpBuilder b = OpBuilder::atBlockBegin(&kernel.func.getBody().front());
  EmitContext e{b, loc};
  Value tid = gpu::ThreadIdOp::create(b, loc, gpu::Dimension::x);
  Value row = gpu::BlockIdOp::create(b, loc, gpu::Dimension::y);
  RowLanes lanes;
  if (wholeBlock) {
    lanes = blockLanes(tid, scratch);
  } else {
    lanes = RowLanes::single(e);
    lanes.lane = e.add(e.mul(gpu::BlockIdOp::create(b, loc, gpu::Dimension::x),
                             e.index(kRowThreads)),
                       tid);
    lanes.count = blocks * kRowThreads;
  }
  emitTransformerRow(b, op, args, row, lanes);
  gpu::ReturnOp::create(b, loc);
  return {blocks, kRowThreads};
}

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

struct ConvertVPTQToGPU
    : mlir::vptq::impl::ConvertVPTQToGPUBase<ConvertVPTQToGPU> {
  using Base::Base;

  /// The named gpu.module, created at the end of the module if absent.
  gpu::GPUModuleOp getOrCreateKernelModule() {
    ModuleOp module = getOperation();
    if (auto existing = SymbolTable::lookupSymbolIn(module, moduleName))
      if (auto gpuModule = dyn_cast<gpu::GPUModuleOp>(existing))
        return gpuModule;
    module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                    UnitAttr::get(&getContext()));
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    return gpu::GPUModuleOp::create(b, module.getLoc(), moduleName);
  }

  LogicalResult checkOperands(Operation *op) {
    for (Value operand : op->getOperands()) {
      auto type = dyn_cast<MemRefType>(operand.getType());
      if (!type || !type.getLayout().isIdentity())
        return op->emitOpError("cannot be lowered to a GPU kernel: operands "
                               "must be memrefs with identity layout "
                               "(bufferize first)");
    }
    return success();
  }

  void runOnOperation() override {
    std::string error;
    FailureOr<TargetInfo> target = TargetInfo::get(chip, error);
    if (failed(target) || !target->isGPU()) {
      emitError(getOperation()->getLoc(), "convert-vptq-to-gpu: ")
          << (failed(target) ? error : "chip must be a GPU, got 'host'");
      return signalPassFailure();
    }
    SmallVector<Operation *> ops;
    getOperation()->walk([&](Operation *op) {
      if (isa<MatmulOp, DequantOp, UnpackIndicesOp, LinearOp>(op) ||
          isRowOp(op))
        ops.push_back(op);
    });
    if (ops.empty())
      return;
    gpu::GPUModuleOp gpuModule = getOrCreateKernelModule();
    SymbolTable symbols(gpuModule);
    int64_t counter = 0;
    // Programmatic dependent launch (see the pass description).
    const bool overlap = gridDependency && target->hasGridDependencyControl();
    auto overlapPredecessor = [&](KernelFunc &kernel, NamedAttrList &info) {
      if (!overlap)
        return;
      addGridDependencyControl(kernel.func);
      info.set("grid_dependency", BoolAttr::get(&getContext(), true));
    };
    for (Operation *op : ops) {
      if (failed(checkOperands(op)))
        return signalPassFailure();
      OpBuilder moduleBuilder =
          OpBuilder::atBlockEnd(&gpuModule.getBodyRegion().front());
      OpBuilder hostBuilder(op);
      std::string name;
      do {
        name = "vptq_" + op->getName().stripDialect().str() + "_" +
               std::to_string(counter++);
      } while (symbols.lookup(name));

      if (auto matmul = dyn_cast<MatmulOp>(op)) {
        LayerConfig c = matmul.getConfig().getLayerConfig();
        Type modelType =
            cast<ShapedType>(matmul.getCentroids().getType()).getElementType();
        int64_t batchHint =
            cast<ShapedType>(matmul.getInput().getType()).getDimSize(0);
        const int64_t shards = matmul.getNumCodebookShards();
        TilingAttr tiling = matmul.getTilingAttr();
        if (!tiling && shards > 0)
          tiling = getDefaultShardedTiling(&getContext(), c, *target, shards);
        if (!tiling)
          tiling = getDefaultTiling(
              &getContext(), c, modelType, *target,
              ShapedType::isDynamic(batchHint) ? 1 : batchHint,
              canUseTensorCores(
                  *target, getElementTypeOrSelf(matmul.getInput().getType()),
                  modelType));
        PlacementAttr placement = matmul.getPlacementAttr();
        if (!placement && shards > 0)
          placement = PlacementAttr::get(&getContext(),
                                         CodebookPlacement::Sharded,
                                         CodebookPlacement::Global);
        if (!placement)
          placement = getDefaultPlacement(&getContext(), c, modelType,
                                          *target, tiling);
        if (c.vectorLen > kThreadsPerWarp) {
          matmul.emitOpError("vector_len ")
              << c.vectorLen << " exceeds the " << kThreadsPerWarp
              << " lanes that write a row group";
          return signalPassFailure();
        }
        if (failed(checkMulticast(matmul, placement, tiling, *target)))
          return signalPassFailure();
        KernelFunc kernel =
            createKernel(moduleBuilder, op, name, tiling.getThreads());
        int64_t sharedBytes = 0;
        if (shards > 0) {
          FailureOr<int64_t> bytes = emitShardedMatmulKernel(
              matmul, kernel, tiling, *target, overlap);
          if (failed(bytes))
            return signalPassFailure();
          sharedBytes = *bytes;
        } else if (tiling.getMma()) {
          FailureOr<int64_t> bytes = emitMmaMatmulKernel(
              matmul, kernel, tiling, placement, *target, warpgroupMma);
          if (failed(bytes))
            return signalPassFailure();
          sharedBytes = *bytes;
        } else {
          MatmulKernelEmitter emitter(matmul, kernel, tiling, placement,
                                      *target, overlap);
          emitter.emit();
          sharedBytes = emitter.sharedBytes();
        }
        NamedAttrList info;
        info.set("op", hostBuilder.getStringAttr("matmul"));
        info.set("tiling", tiling);
        info.set("placement", placement);
        overlapPredecessor(kernel, info);
        int64_t gridX = ceilDiv(c.numIndexRows(), tiling.getBlockRows());
        if (shards > 0) {
          // Whole clusters, each with a range of rows.
          gridX = tiling.getPersistentBlocks();
          info.set("cluster_size", hostBuilder.getI64IntegerAttr(shards));
        } else if (tiling.getPersistentBlocks() > 0) {
          gridX = std::min(gridX, getPersistentStride(tiling, placement));
        }
        if (multicastsCodebooks(placement)) {
          // Whole clusters: blocks past the last row tile take part in the
          // multicast and store nothing.
          const int64_t blocks = kMulticastClusterBlocks;
          gridX = ceilDiv(gridX, blocks) * blocks;
          info.set("cluster_size", hostBuilder.getI64IntegerAttr(blocks));
        }
        replaceWithLaunch(hostBuilder, op, kernel.func, gridX,
                          matmul.getInput(), tiling.getBatchTile(),
                          tiling.getThreads(), sharedBytes, info);
        continue;
      }
      if (auto linear = dyn_cast<LinearOp>(op)) {
        auto weightType = cast<MemRefType>(linear.getWeight().getType());
        int64_t batchHint =
            cast<ShapedType>(linear.getInput().getType()).getDimSize(0);
        TilingAttr tiling = linear.getTilingAttr();
        if (!tiling)
          tiling = getDefaultDenseTiling(
              &getContext(), weightType.getDimSize(0), *target,
              ShapedType::isDynamic(batchHint) ? 1 : batchHint);
        // One warp per row: warps_per_row and k_chunk do not apply.
        int64_t threads = kThreadsPerWarp * tiling.getBlockRows();
        KernelFunc kernel = createKernel(moduleBuilder, op, name, threads);
        emitLinearKernel(linear, kernel, tiling);
        NamedAttrList info;
        info.set("op", hostBuilder.getStringAttr("linear"));
        info.set("tiling", tiling);
        overlapPredecessor(kernel, info);
        replaceWithLaunch(hostBuilder, op, kernel.func,
                          ceilDiv(weightType.getDimSize(0),
                                  tiling.getBlockRows()),
                          linear.getInput(), tiling.getBatchTile(), threads,
                          0, info);
        continue;
      }
      if (isRowOp(op)) {
        bool attention = isa<AttentionOp, RotaryAttentionOp>(op);
        int64_t threads =
            attention ? kAttentionWarps * kThreadsPerWarp : kRowThreads;
        KernelFunc kernel = createKernel(moduleBuilder, op, name, threads);
        auto [gridX, used] = emitTransformerKernel(op, kernel);
        NamedAttrList info;
        info.set("op",
                 hostBuilder.getStringAttr(op->getName().stripDialect()));
        overlapPredecessor(kernel, info);
        // vptq.gram's grid does not depend on the token count (batch tile
        // 0: one block row); vptq.nearest tiles points by block.
        if (isa<GramOp>(op))
          replaceWithLaunch(hostBuilder, op, kernel.func, gridX, Value(), 0,
                            used, 0, info);
        else
          replaceWithLaunch(hostBuilder, op, kernel.func, gridX,
                            getRowCountOperand(op),
                            isa<NearestOp>(op) ? kNearestPointsPerBlock : 1,
                            used, 0, info);
        continue;
      }
      KernelFunc kernel =
          createKernel(moduleBuilder, op, name, kElementwiseThreads);
      int64_t items = isa<DequantOp>(op)
                          ? emitDequantKernel(cast<DequantOp>(op), kernel)
                          : emitUnpackKernel(cast<UnpackIndicesOp>(op), kernel);
      NamedAttrList info;
      info.set("op", hostBuilder.getStringAttr(op->getName().stripDialect()));
      overlapPredecessor(kernel, info);
      replaceWithLaunch(hostBuilder, op, kernel.func,
                        ceilDiv(items, kElementwiseThreads), Value(), 1,
                        kElementwiseThreads, 0, info);
    }
  }
};

} // namespace
