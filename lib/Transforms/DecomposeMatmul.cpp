//===- DecomposeMatmul.cpp - vptq.matmul to dequant + dense matmul --------===//

#include "vptq/Transforms/MatmulForms.h"
#include "vptq/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::vptq {
#define GEN_PASS_DEF_DECOMPOSEMATMUL
#include "vptq/Transforms/Passes.h.inc"
} // namespace mlir::vptq

using namespace mlir;
using namespace mlir::vptq;

namespace {

struct DecomposePattern : OpRewritePattern<MatmulOp> {
  DecomposePattern(MLIRContext *ctx, int64_t minBatch)
      : OpRewritePattern(ctx), minBatch(minBatch) {}

  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &rw) const override {
    if (!op.hasPureTensorSemantics())
      return rw.notifyMatchFailure(op, "only tensors are decomposed");
    if (op.getGate())
      return rw.notifyMatchFailure(op, "a gated input stays fused");
    auto inputType = cast<RankedTensorType>(op.getInput().getType());
    int64_t batch = inputType.getDimSize(0);
    if (minBatch > 0 && (ShapedType::isDynamic(batch) || batch < minBatch))
      return rw.notifyMatchFailure(op, "batch below min-batch");

    Location loc = op.getLoc();
    LayerConfig c = op.getConfig().getLayerConfig();
    Type f32 = rw.getF32Type();
    QuantConfigAttr weightConfig = op.getConfig().withChanges(
        [](LayerConfig &lc) { lc.bias = false; });

    Value weightInit = tensor::EmptyOp::create(
        rw, loc, ArrayRef<int64_t>{c.outFeatures, c.inFeatures}, f32);
    Value weight = DequantOp::create(rw, loc, weightConfig,
                                     getWeightValues(op), weightInit)
                       .getResult()[0];

    SmallVector<Value> dynamicSizes;
    if (ShapedType::isDynamic(batch))
      dynamicSizes.push_back(tensor::DimOp::create(rw, loc, op.getInput(), 0));
    Value accInit = tensor::EmptyOp::create(
        rw, loc, ArrayRef<int64_t>{batch, c.outFeatures}, f32, dynamicSizes);
    Value zero = arith::ConstantOp::create(rw, loc, rw.getF32FloatAttr(0.0));
    Value acc =
        linalg::FillOp::create(rw, loc, zero, accInit).getResult(0);
    auto matmul = linalg::MatmulOp::create(
        rw, loc, TypeRange{acc.getType()}, ValueRange{op.getInput(), weight},
        ValueRange{acc});
    matmul.setIndexingMapsAttr(getTransposedWeightMaps(rw.getContext()));
    Value result = matmul.getResult(0);

    auto initType = cast<RankedTensorType>(op.getInit().getType());
    if (op.getBias() || !initType.getElementType().isF32())
      result = buildBiasEpilogue(rw, loc, result, op.getBias(), op.getInit());
    rw.replaceOp(op, result);
    return success();
  }

  int64_t minBatch;
};

struct DecomposeMatmul
    : mlir::vptq::impl::DecomposeMatmulBase<DecomposeMatmul> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<DecomposePattern>(&getContext(), minBatch);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
