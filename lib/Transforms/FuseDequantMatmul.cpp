//===- FuseDequantMatmul.cpp - dequant + dense matmul to vptq.matmul ------===//

#include "vptq/Transforms/MatmulForms.h"
#include "vptq/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::vptq {
#define GEN_PASS_DEF_FUSEDEQUANTMATMUL
#include "vptq/Transforms/Passes.h.inc"
} // namespace mlir::vptq

using namespace mlir;
using namespace mlir::vptq;

namespace {

bool isSupportedFloat(Type type) {
  return type.isF16() || type.isBF16() || type.isF32();
}

/// The dequantized weight that `operand` is, possibly through a
/// linalg.transpose with permutation [1, 0] (reported in `transposed`).
DequantOp getDequantSource(Value operand, bool &transposed) {
  transposed = false;
  if (auto transpose = operand.getDefiningOp<linalg::TransposeOp>()) {
    if (transpose.getPermutation() != ArrayRef<int64_t>{1, 0})
      return nullptr;
    transposed = true;
    operand = transpose.getInput();
  }
  auto dequant = operand.getDefiningOp<DequantOp>();
  if (!dequant || !dequant.hasPureTensorSemantics())
    return nullptr;
  return dequant;
}

/// linalg.matmul(x, dequant^T) into a zero-filled init -> vptq.matmul.
struct FuseMatmul : OpRewritePattern<linalg::MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::MatmulOp op,
                                PatternRewriter &rw) const override {
    if (!op.hasPureTensorSemantics() || op.getInputs().size() != 2)
      return rw.notifyMatchFailure(op, "expected a matmul on tensors");
    Value x = op.getInputs()[0];
    bool transposed;
    DequantOp dequant = getDequantSource(op.getInputs()[1], transposed);
    if (!dequant)
      return rw.notifyMatchFailure(op, "weight is not a vptq.dequant");
    // The weight must be read as W[n, k]: either transposed explicitly and
    // multiplied with the default maps, or read through transposed maps.
    ArrayAttr maps = op.getIndexingMaps();
    bool mapsTransposeWeight = maps == getTransposedWeightMaps(getContext());
    bool defaultMaps = linalg::MatmulOp::isDefaultIndexingMaps(maps);
    if (!(transposed ? defaultMaps : mapsTransposeWeight))
      return rw.notifyMatchFailure(op, "weight is not used transposed");
    auto fill = op.getOutputs()[0].getDefiningOp<linalg::FillOp>();
    if (!fill || !matchPattern(fill.getInputs()[0], m_AnyZeroFloat()))
      return rw.notifyMatchFailure(op, "init is not zero-filled");
    auto xType = dyn_cast<RankedTensorType>(x.getType());
    auto outType = cast<RankedTensorType>(op.getResultTypes()[0]);
    if (!xType || xType.getRank() != 2 ||
        !isSupportedFloat(xType.getElementType()) ||
        !isSupportedFloat(outType.getElementType()))
      return rw.notifyMatchFailure(op, "unsupported element types");

    QuantConfigAttr config = dequant.getConfig().withChanges(
        [](LayerConfig &c) { c.bias = false; });
    rw.replaceOpWithNewOp<MatmulOp>(op, config, x, getWeightValues(dequant),
                                    /*bias=*/Value(), fill.getOutputs()[0]);
    return success();
  }
};

/// An epilogue `round(acc + bias[n])` on the f32 result of a bias-free
/// vptq.matmul becomes that op's bias and result type.
struct FoldBiasEpilogue : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::GenericOp op,
                                PatternRewriter &rw) const override {
    if (!op.hasPureTensorSemantics() || op.getNumDpsInits() != 1 ||
        op.getNumDpsInputs() < 1 || op.getNumDpsInputs() > 2 ||
        op.getNumParallelLoops() != 2 || op.getNumLoops() != 2)
      return rw.notifyMatchFailure(op, "not a 2-D element-wise epilogue");
    auto matmul = op.getDpsInputs()[0].getDefiningOp<MatmulOp>();
    if (!matmul || !matmul->hasOneUse() || matmul.getBias() ||
        !cast<ShapedType>(matmul.getInit().getType()).getElementType().isF32())
      return rw.notifyMatchFailure(op, "input is not a bias-free f32 matmul");
    bool hasBias = op.getNumDpsInputs() == 2;
    Value bias = hasBias ? op.getDpsInputs()[1] : Value();

    MLIRContext *ctx = getContext();
    AffineMap identity = AffineMap::getMultiDimIdentityMap(2, ctx);
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    if (maps.front() != identity || maps.back() != identity ||
        (hasBias &&
         maps[1] != AffineMap::get(2, 0, {getAffineDimExpr(1, ctx)}, ctx)))
      return rw.notifyMatchFailure(op, "unexpected indexing maps");

    // The body must be exactly: [extf bias] [addf] [truncf] yield.
    Block &body = op.getRegion().front();
    Value cur = body.getArgument(0);
    Value biasValue = hasBias ? body.getArgument(1) : Value();
    for (Operation &inner : body.without_terminator()) {
      if (auto ext = dyn_cast<arith::ExtFOp>(inner);
          ext && ext.getIn() == biasValue) {
        biasValue = ext.getResult();
      } else if (auto add = dyn_cast<arith::AddFOp>(inner);
                 add && biasValue &&
                 ((add.getLhs() == cur && add.getRhs() == biasValue) ||
                  (add.getRhs() == cur && add.getLhs() == biasValue))) {
        cur = add.getResult();
        biasValue = Value();
      } else if (auto trunc = dyn_cast<arith::TruncFOp>(inner);
                 trunc && trunc.getIn() == cur) {
        cur = trunc.getResult();
      } else {
        return rw.notifyMatchFailure(op, "unexpected epilogue body");
      }
    }
    auto yield = cast<linalg::YieldOp>(body.getTerminator());
    if (yield.getValues().size() != 1 || yield.getValues()[0] != cur ||
        biasValue)
      return rw.notifyMatchFailure(op, "epilogue does not yield the sum");

    Type modelType =
        cast<ShapedType>(matmul.getCentroids().getType()).getElementType();
    if (hasBias &&
        cast<ShapedType>(bias.getType()).getElementType() != modelType)
      return rw.notifyMatchFailure(op, "bias is not in the model dtype");
    Value init = op.getDpsInits()[0];
    if (!isSupportedFloat(cast<ShapedType>(init.getType()).getElementType()))
      return rw.notifyMatchFailure(op, "unsupported result type");

    QuantConfigAttr config = matmul.getConfig().withChanges(
        [&](LayerConfig &c) { c.bias = hasBias; });
    rw.replaceOpWithNewOp<MatmulOp>(
        op, config, matmul.getInput(), getWeightValues(matmul), bias, init,
        matmul.getTilingAttr(), matmul.getPlacementAttr(),
        matmul.getShardEntries(), matmul.getShardOffsets(), matmul.getGate());
    return success();
  }
};

struct FuseDequantMatmul
    : mlir::vptq::impl::FuseDequantMatmulBase<FuseDequantMatmul> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseMatmul, FoldBiasEpilogue>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
