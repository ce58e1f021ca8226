//===- BufferizableOpInterfaceImpl.cpp - Bufferization of vptq ops --------===//

#include "vptq/Dialect/VPTQ/Transforms/BufferizableOpInterfaceImpl.h"
#include "vptq/Dialect/VPTQ/IR/VPTQOps.h"

#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/Dialect/Bufferization/IR/DstBufferizableOpInterfaceImpl.h"
#include "mlir/IR/DialectRegistry.h"

using namespace mlir;
using namespace mlir::bufferization;
using namespace mlir::vptq;

namespace {

/// Inputs are read and `outs` are fully overwritten, never read: the ops
/// compute their result from the inputs alone.
template <typename OpTy>
struct VPTQOpBufferization
    : DstBufferizableOpInterfaceExternalModel<VPTQOpBufferization<OpTy>, OpTy> {
  bool bufferizesToMemoryRead(Operation *op, OpOperand &operand,
                              const AnalysisState &) const {
    return !cast<DestinationStyleOpInterface>(op).isDpsInit(&operand);
  }

  LogicalResult bufferize(Operation *op, RewriterBase &rewriter,
                          const BufferizationOptions &options,
                          BufferizationState &state) const {
    auto dpsOp = cast<DestinationStyleOpInterface>(op);
    SmallVector<Value> operands, initBuffers;
    for (OpOperand &operand : op->getOpOperands()) {
      FailureOr<Value> buffer =
          getBuffer(rewriter, operand.get(), options, state);
      if (failed(buffer))
        return failure();
      operands.push_back(*buffer);
      if (dpsOp.isDpsInit(&operand))
        initBuffers.push_back(*buffer);
    }
    rewriter.setInsertionPoint(op);
    OperationState newState(op->getLoc(), op->getName());
    newState.addOperands(operands);
    newState.propertiesAttr = op->getPropertiesAsAttribute();
    newState.addAttributes(llvm::to_vector(op->getDiscardableAttrs()));
    rewriter.create(newState);
    replaceOpWithBufferizedValues(rewriter, op, initBuffers);
    return success();
  }
};

} // namespace

void mlir::vptq::registerBufferizableOpInterfaceExternalModels(
    DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, VPTQDialect *) {
    UnpackIndicesOp::attachInterface<VPTQOpBufferization<UnpackIndicesOp>>(
        *ctx);
    DequantOp::attachInterface<VPTQOpBufferization<DequantOp>>(*ctx);
    MatmulOp::attachInterface<VPTQOpBufferization<MatmulOp>>(*ctx);
    LinearOp::attachInterface<VPTQOpBufferization<LinearOp>>(*ctx);
  });
}
