//===- VPTQInterfaces.td - vptq op interfaces --------------*- tablegen -*-===//
//
// The interface of operations that consume a VPTQ-quantized weight.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_DIALECT_VPTQ_IR_VPTQINTERFACES_TD
#define VPTQ_DIALECT_VPTQ_IR_VPTQINTERFACES_TD

include "mlir/IR/OpBase.td"

def VPTQ_QuantizedWeightOpInterface
    : OpInterface<"QuantizedWeightOpInterface"> {
  let cppNamespace = "::mlir::vptq";
  let description = [{
    An operation whose operands include one VPTQ-quantized weight matrix:
    indices (packed or not), codebooks and the optional residual, outlier,
    permutation and norm tensors, described by a `#vptq.vq` configuration.
    The interface verifier checks every weight operand against the
    configuration, so all implementing ops reject the same inconsistencies
    with the same messages.
  }];
  let methods = [
    InterfaceMethod<"The layer's quantization configuration.",
      "::mlir::vptq::QuantConfigAttr", "getConfig">,
    InterfaceMethod<"Main indices: packed int32 words or unpacked integers.",
      "::mlir::Value", "getIndices">,
    InterfaceMethod<"Unpacked residual indices, or null.",
      "::mlir::Value", "getResIndices">,
    InterfaceMethod<"Main codebooks [NC, K * V].",
      "::mlir::Value", "getCentroids">,
    InterfaceMethod<"Residual codebooks [NC, KR * V], or null.",
      "::mlir::Value", "getResCentroids">,
    InterfaceMethod<"Outlier indices [1, NIo, OS], or null.",
      "::mlir::Value", "getOutlierIndices">,
    InterfaceMethod<"Outlier codebook [1, Ko * Vo], or null.",
      "::mlir::Value", "getOutlierCentroids">,
    InterfaceMethod<"Input-column permutation [in], or null.",
      "::mlir::Value", "getPerm">,
    InterfaceMethod<"Per-input-column scale [in], or null.",
      "::mlir::Value", "getWeightScale">,
    InterfaceMethod<"Per-input-column bias [in], or null.",
      "::mlir::Value", "getWeightBias">,
  ];
  let verify = [{
    return ::mlir::vptq::detail::verifyQuantizedWeightOp($_op);
  }];
}

#endif // VPTQ_DIALECT_VPTQ_IR_VPTQINTERFACES_TD
