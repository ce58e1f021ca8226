//===- VPTQDialect.td - The vptq dialect -------------------*- tablegen -*-===//
//
// The `vptq` dialect: vector-quantized weights (VPTQ, EMNLP 2024) and the
// lookup-dequantize-matmul operations on them.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_DIALECT_VPTQ_IR_VPTQDIALECT_TD
#define VPTQ_DIALECT_VPTQ_IR_VPTQDIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def VPTQ_Dialect : Dialect {
  let name = "vptq";
  let cppNamespace = "::mlir::vptq";
  let summary = "Vector post-training quantization (VPTQ) weights and kernels";
  let description = [{
    The `vptq` dialect represents linear layers whose weight matrix is stored
    as indices into codebooks of short vectors, as published VPTQ checkpoints
    store them. A `#vptq.vq<...>` attribute carries a layer's quantization
    parameters; `vptq.unpack_indices`, `vptq.dequant` and `vptq.matmul`
    operate on the checkpoint's tensors (indices, codebooks, residual
    codebook, outliers, permutation, per-column scale and bias).

    A quantized linear layer can be written as one fused `vptq.matmul` or in
    decomposed form (`vptq.dequant` followed by a dense matmul); passes move
    between the two, tile the fused form and lower it to GPU and CPU code.

    All operations are in destination-passing style and accept either ranked
    tensors (results returned) or memrefs (results written to the `outs`
    operand).
  }];
  let useDefaultAttributePrinterParser = 1;
  let hasCanonicalizer = 0;
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

/// Base class of vptq attributes.
class VPTQ_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<VPTQ_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

/// Base class of vptq operations.
class VPTQ_Op<string mnemonic, list<Trait> traits = []>
    : Op<VPTQ_Dialect, mnemonic, traits>;

#endif // VPTQ_DIALECT_VPTQ_IR_VPTQDIALECT_TD
