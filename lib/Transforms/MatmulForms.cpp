//===- MatmulForms.cpp - The decomposed form of a quantized matmul --------===//

#include "vptq/Transforms/MatmulForms.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/AffineMap.h"

using namespace mlir;

ArrayAttr mlir::vptq::getTransposedWeightMaps(MLIRContext *ctx) {
  AffineExpr m, n, k;
  bindDims(ctx, m, n, k);
  auto map = [&](ArrayRef<AffineExpr> results) {
    return AffineMapAttr::get(AffineMap::get(3, 0, results, ctx));
  };
  return ArrayAttr::get(ctx, {map({m, k}), map({n, k}), map({m, n})});
}

Value mlir::vptq::buildBiasEpilogue(OpBuilder &b, Location loc, Value acc,
                                    Value bias, Value init) {
  MLIRContext *ctx = b.getContext();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(2, ctx);
  SmallVector<AffineMap> maps = {identity};
  SmallVector<Value> inputs = {acc};
  if (bias) {
    maps.push_back(AffineMap::get(2, 0, {getAffineDimExpr(1, ctx)}, ctx));
    inputs.push_back(bias);
  }
  maps.push_back(identity);
  Type outElem = cast<ShapedType>(init.getType()).getElementType();
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
      {utils::IteratorType::parallel, utils::IteratorType::parallel},
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value v = args[0];
        if (bias) {
          Value bv = args[1];
          if (!bv.getType().isF32())
            bv = arith::ExtFOp::create(nb, nloc, nb.getF32Type(), bv);
          v = arith::AddFOp::create(nb, nloc, v, bv);
        }
        if (!outElem.isF32())
          v = arith::TruncFOp::create(nb, nloc, outElem, v);
        linalg::YieldOp::create(nb, nloc, v);
      });
  return generic.getResult(0);
}
