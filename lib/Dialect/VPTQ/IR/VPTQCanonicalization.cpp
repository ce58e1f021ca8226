//===- VPTQCanonicalization.cpp - Canonicalization of vptq ops ------------===//
//
// Removes parts of a quantized weight that provably do nothing (identity
// permutation, all-zero residual codebook, unit norm, zero bias) and folds
// an explicit vptq.unpack_indices into its consumer, which reads packed
// indices directly.
//
//===----------------------------------------------------------------------===//

#include "vptq/Dialect/VPTQ/IR/VPTQOps.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::vptq;

namespace {

/// True if `value` is a constant whose elements all satisfy `pred`.
template <typename ElemT>
bool allConstantElements(Value value, function_ref<bool(const ElemT &)> pred) {
  DenseElementsAttr attr;
  if (!value || !matchPattern(value, m_Constant(&attr)))
    return false;
  return llvm::all_of(attr.getValues<ElemT>(), pred);
}

bool isZeroFloatConstant(Value value) {
  return allConstantElements<APFloat>(
      value, [](const APFloat &v) { return v.isZero(); });
}

/// `perm` is the constant [0, 1, ..., n-1].
struct DropIdentityPerm {
  template <typename OpTy>
  static LogicalResult apply(OpTy op, PatternRewriter &rewriter) {
    Value perm = op.getPerm();
    int64_t next = 0;
    if (!allConstantElements<APInt>(perm, [&](const APInt &v) {
          return v.getZExtValue() == uint64_t(next++);
        }))
      return rewriter.notifyMatchFailure(op, "perm is not a constant identity");
    rewriter.modifyOpInPlace(op, [&] {
      op.setConfigAttr(op.getConfig().withChanges(
          [](LayerConfig &c) { c.enablePerm = false; }));
      op.getPermMutable().clear();
    });
    return success();
  }
};

/// An all-zero residual codebook adds nothing. Only unpacked indices can
/// drop it: packed codes keep their residual bits.
struct DropZeroResidual {
  template <typename OpTy>
  static LogicalResult apply(OpTy op, PatternRewriter &rewriter) {
    if (op.getConfig().getPacked() || !isZeroFloatConstant(op.getResCentroids()))
      return rewriter.notifyMatchFailure(op, "no droppable zero residual");
    rewriter.modifyOpInPlace(op, [&] {
      op.setConfigAttr(
          op.getConfig().withChanges([](LayerConfig &c) {
            c.numResCentroids = 0;
            c.resIndexBits = 0;
          }));
      op.getResIndicesMutable().clear();
      op.getResCentroidsMutable().clear();
    });
    return success();
  }
};

/// weight_scale = 1 and weight_bias = 0 leave the weight unchanged.
struct DropIdentityNorm {
  template <typename OpTy>
  static LogicalResult apply(OpTy op, PatternRewriter &rewriter) {
    if (!allConstantElements<APFloat>(
            op.getWeightScale(),
            [](const APFloat &v) { return v.isExactlyValue(1.0); }) ||
        !isZeroFloatConstant(op.getWeightBias()))
      return rewriter.notifyMatchFailure(op, "norm is not the identity");
    rewriter.modifyOpInPlace(op, [&] {
      op.setConfigAttr(op.getConfig().withChanges(
          [](LayerConfig &c) { c.enableNorm = false; }));
      op.getWeightScaleMutable().clear();
      op.getWeightBiasMutable().clear();
    });
    return success();
  }
};

/// Consumers read packed indices themselves, so an unpack whose results
/// only feed the consumer's index operands is folded away.
struct FoldUnpackIndices {
  template <typename OpTy>
  static LogicalResult apply(OpTy op, PatternRewriter &rewriter) {
    QuantConfigAttr config = op.getConfig();
    auto unpack = op.getIndices().template getDefiningOp<UnpackIndicesOp>();
    if (config.getPacked() || !unpack || unpack.getNumResults() == 0 ||
        unpack->getResult(0) != op.getIndices())
      return rewriter.notifyMatchFailure(op, "indices are not unpacked here");
    if (config.hasResidual() &&
        (unpack.getNumResults() != 2 ||
         unpack->getResult(1) != op.getResIndices()))
      return rewriter.notifyMatchFailure(op, "residual from elsewhere");
    QuantConfigAttr packedConfig = unpack.getConfig();
    if (packedConfig.withChanges([](LayerConfig &c) {
          c.packed = false;
        }) != config)
      return rewriter.notifyMatchFailure(op, "unpack of another layer");
    rewriter.modifyOpInPlace(op, [&] {
      op.setConfigAttr(packedConfig);
      op.getIndicesMutable().assign(unpack.getPacked());
      op.getResIndicesMutable().clear();
    });
    return success();
  }
};

/// Adapts a static `apply` over op types to an OpRewritePattern.
template <typename OpTy, typename Rule>
struct RulePattern : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    return Rule::apply(op, rewriter);
  }
};

/// A zero bias adds nothing.
struct DropZeroBias : OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &rewriter) const override {
    if (!isZeroFloatConstant(op.getBias()))
      return rewriter.notifyMatchFailure(op, "bias is not a zero constant");
    rewriter.modifyOpInPlace(op, [&] {
      op.setConfigAttr(op.getConfig().withChanges(
          [](LayerConfig &c) { c.bias = false; }));
      op.getBiasMutable().clear();
    });
    return success();
  }
};

template <typename OpTy>
void addWeightPatterns(RewritePatternSet &results, MLIRContext *context) {
  results.add<RulePattern<OpTy, DropIdentityPerm>,
              RulePattern<OpTy, DropZeroResidual>,
              RulePattern<OpTy, DropIdentityNorm>,
              RulePattern<OpTy, FoldUnpackIndices>>(context);
}

} // namespace

void DequantOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                            MLIRContext *context) {
  addWeightPatterns<DequantOp>(results, context);
}

void MatmulOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                           MLIRContext *context) {
  addWeightPatterns<MatmulOp>(results, context);
  results.add<DropZeroBias>(context);
}
