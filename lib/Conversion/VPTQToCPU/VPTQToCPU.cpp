//===- VPTQToCPU.cpp - Lower vptq ops to vectorized host loops ------------===//

#include "vptq/Conversion/Passes.h"
#include "vptq/Conversion/TransformerKernels.h"
#include "vptq/Conversion/WeightAccess.h"
#include "vptq/Transforms/Heuristics.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir::vptq {
#define GEN_PASS_DEF_CONVERTVPTQTOCPU
#include "vptq/Conversion/Passes.h.inc"
} // namespace mlir::vptq

using namespace mlir;
using namespace mlir::vptq;

namespace {

/// The lowerings read memrefs with identity layout only.
LogicalResult checkIdentityMemrefs(Operation *op, PatternRewriter &rewriter) {
  for (Value operand : op->getOperands()) {
    auto type = dyn_cast<MemRefType>(operand.getType());
    if (!type || !type.getLayout().isIdentity())
      return rewriter.notifyMatchFailure(
          op, "operands must be memrefs with identity layout");
  }
  return success();
}

/// Emits `for iv in [lb, ub) step` with `iterArgs`, whose body `fn` yields.
using LoopBody = function_ref<SmallVector<Value>(OpBuilder &, Value iv,
                                                 ValueRange iterArgs)>;
ValueRange emitFor(OpBuilder &b, Location loc, Value lb, Value ub, Value step,
                   ValueRange iterArgs, LoopBody fn) {
  auto loop = scf::ForOp::create(
      b, loc, lb, ub, step, iterArgs,
      [&](OpBuilder &nested, Location nestedLoc, Value iv, ValueRange args) {
        SmallVector<Value> results = fn(nested, iv, args);
        scf::YieldOp::create(nested, nestedLoc, results);
      });
  return loop.getResults();
}

/// Emits `if cond { fn }` without results.
void emitIf(OpBuilder &b, Location loc, Value cond,
            function_ref<void(OpBuilder &)> fn) {
  scf::IfOp::create(b, loc, cond, [&](OpBuilder &nested, Location nestedLoc) {
    fn(nested);
    scf::YieldOp::create(nested, nestedLoc);
  });
}

Value cmpULT(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, x, y);
}

/// Stores f32 `value` into memref[indices], rounded to its element type.
void storeF32(const EmitContext &e, Value value, Value memref,
              ValueRange indices) {
  Type elem = cast<MemRefType>(memref.getType()).getElementType();
  memref::StoreOp::create(e.b, e.loc, e.fromF32(value, elem), memref, indices);
}

//===----------------------------------------------------------------------===//
// vptq.matmul
//===----------------------------------------------------------------------===//

struct MatmulToCPU : OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &rw) const override {
    if (failed(checkIdentityMemrefs(op, rw)))
      return failure();
    Location loc = op.getLoc();
    WeightAccess wa(op);
    wa.setGate(op.getGate());
    const LayerConfig &c = wa.config();
    EmitContext e{rw, loc};
    const int64_t in = c.inFeatures, out = c.outFeatures, v = c.vectorLen;
    TilingAttr tiling = op.getTilingAttr();
    if (!tiling) {
      std::string unused;
      tiling = getDefaultTiling(getContext(), c, wa.modelType(),
                                *TargetInfo::get("host", unused), 4);
    }
    const int64_t blockRows = tiling.getBlockRows();
    const int64_t batchTile = tiling.getBatchTile();
    Value x = op.getInput(), y = op.getInit();
    Type f32 = rw.getF32Type();
    auto vecType = VectorType::get({v}, f32);
    Value c0 = e.index(0), c1 = e.index(1);
    Value batch = memref::DimOp::create(rw, loc, x, 0);

    // Activations gathered once: xs[b, i] = x[b, perm[i]] * scale[perm[i]].
    Value xs = memref::AllocOp::create(
        rw, loc, MemRefType::get({ShapedType::kDynamic, in}, f32),
        ValueRange{batch});
    emitFor(rw, loc, c0, batch, c1, {}, [&](OpBuilder &b, Value bi, ValueRange) {
      EmitContext eb{b, loc};
      emitFor(b, loc, c0, eb.index(in), c1, {},
              [&](OpBuilder &bb, Value i, ValueRange) {
                EmitContext ei{bb, loc};
                Value p = wa.emitInputColumn(ei, i);
                memref::StoreOp::create(bb, loc,
                                        wa.emitScaledInput(ei, x, bi, p), xs,
                                        ValueRange{bi, i});
                return SmallVector<Value>{};
              });
      return SmallVector<Value>{};
    });

    // With norm, every output of row b also gets sum_j x[b, j] * bias[j].
    Value normTerm;
    if (c.enableNorm) {
      normTerm = memref::AllocOp::create(
          rw, loc, MemRefType::get({ShapedType::kDynamic}, f32),
          ValueRange{batch});
      emitFor(rw, loc, c0, batch, c1, {}, [&](OpBuilder &b, Value bi, ValueRange) {
        EmitContext eb{b, loc};
        Value sum = emitFor(
            b, loc, c0, eb.index(in), c1, {eb.f32(0)},
            [&](OpBuilder &bb, Value j, ValueRange acc) {
              EmitContext ej{bb, loc};
              Value prod = ej.mul(wa.emitInput(ej, x, bi, j),
                                  ej.loadF32(wa.values().weightBias, {j}));
              return SmallVector<Value>{ej.add(acc[0], prod)};
            })[0];
        memref::StoreOp::create(b, loc, sum, normTerm, ValueRange{bi});
        return SmallVector<Value>{};
      });
    }

    const int64_t rows = c.numIndexRows();
    Value numBlocks = e.index((rows + blockRows - 1) / blockRows);
    auto parallel = scf::ParallelOp::create(rw, loc, ValueRange{c0},
                                            ValueRange{numBlocks},
                                            ValueRange{c1});
    {
      OpBuilder::InsertionGuard guard(rw);
      rw.setInsertionPoint(parallel.getBody()->getTerminator());
      Value blk = parallel.getInductionVars()[0];
      Value r0 = e.mul(blk, e.index(blockRows));
      Value r1 = e.min(e.add(r0, e.index(blockRows)), e.index(rows));
      emitFor(rw, loc, r0, r1, c1, {}, [&](OpBuilder &b, Value r, ValueRange) {
        EmitContext er{b, loc};
        emitFor(b, loc, c0, batch, er.index(batchTile), {},
                [&](OpBuilder &bb, Value bt, ValueRange) {
                  emitRowTile(bb, loc, wa, r, bt, batch, batchTile, xs,
                              normTerm, op.getBias(), y, vecType);
                  return SmallVector<Value>{};
                });
        return SmallVector<Value>{};
      });
    }
    memref::DeallocOp::create(rw, loc, xs);
    if (normTerm)
      memref::DeallocOp::create(rw, loc, normTerm);
    rw.eraseOp(op);
    (void)out;
    return success();
  }

  /// Accumulates index row `r` for batch rows [bt, bt + batchTile) and
  /// writes its outputs.
  static void emitRowTile(OpBuilder &b, Location loc, const WeightAccess &wa,
                          Value r, Value bt, Value batch, int64_t batchTile,
                          Value xs, Value normTerm, Value bias, Value y,
                          VectorType vecType) {
    const LayerConfig &c = wa.config();
    EmitContext e{b, loc};
    Value c0 = e.index(0), c1 = e.index(1);
    Value lastRow = arith::SubIOp::create(b, loc, batch, c1);
    // Batch rows past the end read row B-1 and are never stored.
    SmallVector<Value> batchRows;
    for (int64_t j = 0; j < batchTile; ++j)
      batchRows.push_back(e.min(e.add(bt, e.index(j)), lastRow));
    Value zeroVec = arith::ConstantOp::create(
        b, loc, vecType, DenseElementsAttr::get(vecType, 0.0f));
    SmallVector<Value> init(batchTile, zeroVec);
    ValueRange accs = emitFor(
        b, loc, c0, e.index(c.numCodebooks), c1, init,
        [&](OpBuilder &b1, Value cb, ValueRange accIn) {
          EmitContext e1{b1, loc};
          Value colBase = e1.add(e1.index(c.outlierSize),
                                 e1.mul(cb, e1.index(c.groupSize)));
          return llvm::to_vector(emitFor(
              b1, loc, c0, e1.index(c.groupSize), c1, accIn,
              [&](OpBuilder &b2, Value g, ValueRange acc) {
                EmitContext e2{b2, loc};
                auto [idx, res] = wa.emitIndices(e2, cb, r, g);
                Value vec = wa.emitWeightVector(e2, cb, idx, res);
                Value col = e2.add(colBase, g);
                SmallVector<Value> next;
                for (int64_t j = 0; j < batchTile; ++j) {
                  Value xv = memref::LoadOp::create(
                      b2, loc, xs, ValueRange{batchRows[j], col});
                  Value xb = vector::BroadcastOp::create(b2, loc, vecType, xv);
                  next.push_back(
                      vector::FMAOp::create(b2, loc, xb, vec, acc[j]));
                }
                return next;
              }));
        });

    for (int64_t j = 0; j < batchTile; ++j) {
      Value bj = e.add(bt, e.index(j));
      emitIf(b, loc, cmpULT(b, loc, bj, batch), [&](OpBuilder &b1) {
        EmitContext e1{b1, loc};
        for (int64_t l = 0; l < c.vectorLen; ++l) {
          Value row = e1.add(e1.mul(r, e1.index(c.vectorLen)), e1.index(l));
          auto store = [&](OpBuilder &b2) {
            EmitContext e2{b2, loc};
            Value val = vector::ExtractOp::create(b2, loc, accs[j],
                                                  ArrayRef<int64_t>{l});
            if (c.hasOutliers())
              val = emitFor(b2, loc, c0, e2.index(c.outlierSize), c1, {val},
                            [&](OpBuilder &b3, Value o, ValueRange acc) {
                              EmitContext e3{b3, loc};
                              Value xv = memref::LoadOp::create(
                                  b3, loc, xs, ValueRange{bj, o});
                              Value wv = wa.emitOutlierWeight(e3, row, o);
                              return SmallVector<Value>{
                                  e3.add(acc[0], e3.mul(xv, wv))};
                            })[0];
            if (normTerm)
              val = e2.add(val, memref::LoadOp::create(b2, loc, normTerm,
                                                       ValueRange{bj}));
            if (bias)
              val = e2.add(val, e2.loadF32(bias, {row}));
            storeF32(e2, val, y, {bj, row});
          };
          // Only the last index row has padding rows to skip.
          if (c.padding() > 0 && l >= c.vectorLen - c.padding())
            emitIf(b1, loc, cmpULT(b1, loc, row, e1.index(c.outFeatures)),
                   store);
          else
            store(b1);
        }
      });
    }
  }
};

//===----------------------------------------------------------------------===//
// vptq.dequant
//===----------------------------------------------------------------------===//

struct DequantToCPU : OpRewritePattern<DequantOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DequantOp op,
                                PatternRewriter &rw) const override {
    if (failed(checkIdentityMemrefs(op, rw)))
      return failure();
    Location loc = op.getLoc();
    WeightAccess wa(op);
    const LayerConfig &c = wa.config();
    EmitContext e{rw, loc};
    Value c0 = e.index(0), c1 = e.index(1);
    Value w = op.getInit();
    auto vecType = VectorType::get({c.vectorLen}, rw.getF32Type());

    // Applies the norm of input column p and stores into W[row, p].
    auto storeColumn = [&](const EmitContext &ec, Value val, Value row,
                           Value p) {
      if (c.enableNorm)
        val = ec.add(ec.mul(val, ec.loadF32(wa.values().weightScale, {p})),
                     ec.loadF32(wa.values().weightBias, {p}));
      storeF32(ec, val, w, {row, p});
    };

    emitFor(rw, loc, c0, e.index(c.numCodebooks), c1, {},
            [&](OpBuilder &b1, Value cb, ValueRange) {
      EmitContext e1{b1, loc};
      emitFor(b1, loc, c0, e1.index(c.numIndexRows()), c1, {},
              [&](OpBuilder &b2, Value n, ValueRange) {
        EmitContext e2{b2, loc};
        emitFor(b2, loc, c0, e2.index(c.groupSize), c1, {},
                [&](OpBuilder &b3, Value g, ValueRange) {
          EmitContext e3{b3, loc};
          auto [idx, res] = wa.emitIndices(e3, cb, n, g);
          Value vec = wa.emitWeightVector(e3, cb, idx, res);
          Value col = e3.add(e3.add(e3.index(c.outlierSize),
                                    e3.mul(cb, e3.index(c.groupSize))),
                             g);
          Value p = wa.emitInputColumn(e3, col);
          for (int64_t l = 0; l < c.vectorLen; ++l) {
            Value row = e3.add(e3.mul(n, e3.index(c.vectorLen)), e3.index(l));
            auto store = [&](OpBuilder &b4) {
              EmitContext e4{b4, loc};
              Value val = vector::ExtractOp::create(b4, loc, vec,
                                                    ArrayRef<int64_t>{l});
              storeColumn(e4, val, row, p);
            };
            if (c.padding() > 0 && l >= c.vectorLen - c.padding())
              emitIf(b3, loc, cmpULT(b3, loc, row, e3.index(c.outFeatures)),
                     store);
            else
              store(b3);
          }
          return SmallVector<Value>{};
        });
        return SmallVector<Value>{};
      });
      return SmallVector<Value>{};
    });
    (void)vecType;

    if (c.hasOutliers()) {
      emitFor(rw, loc, c0, e.index(c.outFeatures), c1, {},
              [&](OpBuilder &b1, Value row, ValueRange) {
        EmitContext e1{b1, loc};
        emitFor(b1, loc, c0, e1.index(c.outlierSize), c1, {},
                [&](OpBuilder &b2, Value o, ValueRange) {
          EmitContext e2{b2, loc};
          storeColumn(e2, wa.emitOutlierWeight(e2, row, o), row,
                      wa.emitInputColumn(e2, o));
          return SmallVector<Value>{};
        });
        return SmallVector<Value>{};
      });
    }
    rw.eraseOp(op);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// vptq.unpack_indices
//===----------------------------------------------------------------------===//

struct UnpackToCPU : OpRewritePattern<UnpackIndicesOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(UnpackIndicesOp op,
                                PatternRewriter &rw) const override {
    if (failed(checkIdentityMemrefs(op, rw)))
      return failure();
    Location loc = op.getLoc();
    LayerConfig c = op.getConfig().getLayerConfig();
    EmitContext e{rw, loc};
    Value c0 = e.index(0), c1 = e.index(1);
    int64_t bits = c.indexBits + c.resIndexBits;
    auto storeIndex = [&](OpBuilder &b, Value v, Value dst, ValueRange at) {
      Type elem = cast<MemRefType>(dst.getType()).getElementType();
      memref::StoreOp::create(b, loc,
                              arith::IndexCastUIOp::create(b, loc, elem, v),
                              dst, at);
    };
    emitFor(rw, loc, c0, e.index(c.numCodebooks), c1, {},
            [&](OpBuilder &b1, Value cb, ValueRange) {
      EmitContext e1{b1, loc};
      emitFor(b1, loc, c0, e1.index(c.numIndexRows()), c1, {},
              [&](OpBuilder &b2, Value n, ValueRange) {
        EmitContext e2{b2, loc};
        emitFor(b2, loc, c0, e2.index(c.groupSize), c1, {},
                [&](OpBuilder &b3, Value g, ValueRange) {
          EmitContext e3{b3, loc};
          Value code = emitExtractBits(e3, op.getPacked(), {cb, n},
                                       e3.mul(g, e3.index(bits)), bits,
                                       c.packedWordsPerRow());
          auto [idx, res] =
              emitSplitCode(e3, code, c.indexBits, c.resIndexBits);
          storeIndex(b3, idx, op.getIndicesInit(), {cb, n, g});
          if (res)
            storeIndex(b3, res, op.getResIndicesInit(), {cb, n, g});
          return SmallVector<Value>{};
        });
        return SmallVector<Value>{};
      });
      return SmallVector<Value>{};
    });
    rw.eraseOp(op);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// vptq.linear
//===----------------------------------------------------------------------===//

/// Dense rows as dot products: 8-wide vector FMAs along K for batch_tile
/// batch rows at once, a scalar tail, a horizontal sum.
struct LinearToCPU : OpRewritePattern<LinearOp> {
  using OpRewritePattern::OpRewritePattern;

  static constexpr int64_t kWidth = 8;

  LogicalResult matchAndRewrite(LinearOp op,
                                PatternRewriter &rw) const override {
    if (failed(checkIdentityMemrefs(op, rw)))
      return failure();
    Location loc = op.getLoc();
    EmitContext e{rw, loc};
    auto weightType = cast<MemRefType>(op.getWeight().getType());
    const int64_t out = weightType.getDimSize(0), in = weightType.getDimSize(1);
    TilingAttr tiling = op.getTilingAttr();
    if (!tiling) {
      std::string unused;
      tiling = getDefaultDenseTiling(getContext(), out,
                                     *TargetInfo::get("host", unused), 4);
    }
    const int64_t blockRows = tiling.getBlockRows();
    const int64_t batchTile = tiling.getBatchTile();
    Value x = op.getInput(), w = op.getWeight(), y = op.getInit();
    Value bias = op.getBias();
    Value c0 = e.index(0), c1 = e.index(1);
    Value batch = memref::DimOp::create(rw, loc, x, 0);
    const int64_t vectorEnd = in - in % kWidth;
    auto vecType = VectorType::get({kWidth}, rw.getF32Type());

    Value numBlocks = e.index((out + blockRows - 1) / blockRows);
    auto parallel = scf::ParallelOp::create(rw, loc, ValueRange{c0},
                                            ValueRange{numBlocks},
                                            ValueRange{c1});
    OpBuilder::InsertionGuard guard(rw);
    rw.setInsertionPoint(parallel.getBody()->getTerminator());
    Value blk = parallel.getInductionVars()[0];
    Value r0 = e.mul(blk, e.index(blockRows));
    Value r1 = e.min(e.add(r0, e.index(blockRows)), e.index(out));
    emitFor(rw, loc, r0, r1, c1, {}, [&](OpBuilder &b1, Value n, ValueRange) {
      EmitContext e1{b1, loc};
      emitFor(b1, loc, c0, batch, e1.index(batchTile), {},
              [&](OpBuilder &b2, Value bt, ValueRange) {
        EmitContext e2{b2, loc};
        Value lastRow = arith::SubIOp::create(b2, loc, batch, c1);
        SmallVector<Value> rows;
        for (int64_t j = 0; j < batchTile; ++j)
          rows.push_back(e2.min(e2.add(bt, e2.index(j)), lastRow));
        Value zeroVec = arith::ConstantOp::create(
            b2, loc, vecType, DenseElementsAttr::get(vecType, 0.0f));
        SmallVector<Value> init(batchTile, zeroVec);
        ValueRange vecAcc = emitFor(
            b2, loc, c0, e2.index(vectorEnd), e2.index(kWidth), init,
            [&](OpBuilder &b3, Value k, ValueRange acc) {
              EmitContext e3{b3, loc};
              Value wv = e3.toF32(vector::LoadOp::create(
                  b3, loc,
                  VectorType::get({kWidth}, weightType.getElementType()), w,
                  ValueRange{n, k}));
              SmallVector<Value> next;
              for (int64_t j = 0; j < batchTile; ++j) {
                Value xv = e3.toF32(vector::LoadOp::create(
                    b3, loc,
                    VectorType::get({kWidth}, cast<MemRefType>(x.getType())
                                                  .getElementType()),
                    x, ValueRange{rows[j], k}));
                next.push_back(vector::FMAOp::create(b3, loc, xv, wv, acc[j]));
              }
              return next;
            });
        SmallVector<Value> sums;
        for (int64_t j = 0; j < batchTile; ++j)
          sums.push_back(vector::ReductionOp::create(
              b2, loc, vector::CombiningKind::ADD, vecAcc[j]));
        ValueRange total = emitFor(
            b2, loc, e2.index(vectorEnd), e2.index(in), c1, sums,
            [&](OpBuilder &b3, Value k, ValueRange acc) {
              EmitContext e3{b3, loc};
              Value wk = e3.loadF32(w, {n, k});
              SmallVector<Value> next;
              for (int64_t j = 0; j < batchTile; ++j)
                next.push_back(
                    e3.add(acc[j], e3.mul(e3.loadF32(x, {rows[j], k}), wk)));
              return next;
            });
        for (int64_t j = 0; j < batchTile; ++j) {
          Value bj = e2.add(bt, e2.index(j));
          emitIf(b2, loc, cmpULT(b2, loc, bj, batch), [&](OpBuilder &b3) {
            EmitContext e3{b3, loc};
            Value v = total[j];
            if (bias)
              v = e3.add(v, e3.loadF32(bias, {n}));
            storeF32(e3, v, y, {bj, n});
          });
        }
        return SmallVector<Value>{};
      });
      return SmallVector<Value>{};
    });
    rw.eraseOp(op);
    return success();
  }
};

/// The row ops: an scf.parallel over rows (and heads, for
/// attention), each running the shared row body with a single lane.
struct TransformerToCPU : RewritePattern {
  TransformerToCPU(MLIRContext *ctx)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, ctx) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rw) const override {
    if (!isRowOp(op) || failed(checkIdentityMemrefs(op, rw)))
      return failure();
    if (auto fused = dyn_cast<RotaryAttentionOp>(op))
      return lowerRotaryAttention(fused, rw);
    Location loc = op->getLoc();
    EmitContext e{rw, loc};
    Value rows = memref::DimOp::create(rw, loc, getRowCountOperand(op), 0);
    SmallVector<Value> lower{e.index(0)}, upper{rows}, steps{e.index(1)};
    auto attention = dyn_cast<AttentionOp>(op);
    if (attention) {
      lower.push_back(e.index(0));
      upper.push_back(e.index(attention.getNumHeads()));
      steps.push_back(e.index(1));
    }
    auto parallel = scf::ParallelOp::create(rw, loc, lower, upper, steps);
    OpBuilder::InsertionGuard guard(rw);
    rw.setInsertionPoint(parallel.getBody()->getTerminator());
    EmitContext body{rw, loc};
    RowLanes lanes = RowLanes::single(body);
    SmallVector<Value> operands(op->getOperands());
    Value row = parallel.getInductionVars()[0];
    if (attention)
      emitAttentionHead(rw, attention, operands, row,
                        parallel.getInductionVars()[1]);
    else
      emitTransformerRow(rw, op, operands, row, lanes);
    rw.eraseOp(op);
    return success();
  }

  /// vptq.rotary_attention as what it fuses: every row's appends, then
  /// attention (one lane per row needs no cross-row synchronization).
  LogicalResult lowerRotaryAttention(RotaryAttentionOp op,
                                     PatternRewriter &rw) const {
    Location loc = op.getLoc();
    auto append = RotaryAppendOp::create(
        rw, loc, op.getQuery(), op.getKey(), op.getValue(), op.getPositions(),
        op.getInvFreq(), op.getKeyCache(), op.getValueCache(),
        op.getHeadDimAttr());
    auto attention = AttentionOp::create(
        rw, loc, op.getQuery(), op.getKeyCache(), op.getValueCache(),
        op.getPositions(), op.getOutput(), op.getNumHeadsAttr(),
        op.getNumKvHeadsAttr(), op.getHeadDimAttr(), op.getScaleAttr());
    rw.eraseOp(op);
    for (Operation *part : {append.getOperation(), attention.getOperation()}) {
      rw.setInsertionPoint(part);
      if (failed(matchAndRewrite(part, rw)))
        return failure();
    }
    return success();
  }
};

struct ConvertVPTQToCPU
    : mlir::vptq::impl::ConvertVPTQToCPUBase<ConvertVPTQToCPU> {
  void runOnOperation() override {
    WalkResult mma = getOperation()->walk([](MatmulOp op) {
      if (!op.getTilingAttr() || !op.getTilingAttr().getMma())
        return WalkResult::advance();
      op.emitOpError("cannot be lowered to CPU code: its tiling has "
                     "mma = true (tensor cores, NVIDIA GPUs only)");
      return WalkResult::interrupt();
    });
    if (mma.wasInterrupted())
      return signalPassFailure();
    RewritePatternSet patterns(&getContext());
    patterns.add<MatmulToCPU, DequantToCPU, UnpackToCPU, LinearToCPU,
                 TransformerToCPU>(&getContext());
    walkAndApplyPatterns(getOperation(), std::move(patterns));
    WalkResult left = getOperation()->walk([](Operation *op) {
      if (!isa<MatmulOp, DequantOp, UnpackIndicesOp, LinearOp>(op) &&
          !isRowOp(op))
        return WalkResult::advance();
      op->emitOpError("cannot be lowered to CPU code: operands must be "
                      "memrefs with identity layout (bufferize first)");
      return WalkResult::interrupt();
    });
    if (left.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
