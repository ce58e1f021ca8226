//===- VPTQOps.td - vptq operations ------------------------*- tablegen -*-===//
//
// Unpacking, dequantization and the fused quantized matmul.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_DIALECT_VPTQ_IR_VPTQOPS_TD
#define VPTQ_DIALECT_VPTQ_IR_VPTQOPS_TD

include "vptq/Dialect/VPTQ/IR/VPTQDialect.td"
include "vptq/Dialect/VPTQ/IR/VPTQAttrs.td"
include "vptq/Dialect/VPTQ/IR/VPTQInterfaces.td"
include "mlir/Interfaces/DestinationStyleOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def VPTQ_TensorOrMemRef : AnyTypeOf<[AnyRankedTensor, AnyMemRef],
                                    "ranked tensor or memref">;

// The operands of one quantized weight, in checkpoint order.
defvar VPTQ_WeightOperands = (ins
  VPTQ_TensorOrMemRef:$indices,
  Optional<VPTQ_TensorOrMemRef>:$res_indices,
  VPTQ_TensorOrMemRef:$centroids,
  Optional<VPTQ_TensorOrMemRef>:$res_centroids,
  Optional<VPTQ_TensorOrMemRef>:$outlier_indices,
  Optional<VPTQ_TensorOrMemRef>:$outlier_centroids,
  Optional<VPTQ_TensorOrMemRef>:$perm,
  Optional<VPTQ_TensorOrMemRef>:$weight_scale,
  Optional<VPTQ_TensorOrMemRef>:$weight_bias
);

defvar VPTQ_WeightFormat = [{
  `indices` `(` $indices `:` type($indices) `)`
  (`res_indices` `(` $res_indices^ `:` type($res_indices) `)`)?
  `centroids` `(` $centroids `:` type($centroids) `)`
  (`res_centroids` `(` $res_centroids^ `:` type($res_centroids) `)`)?
  (`outlier_indices` `(` $outlier_indices^ `:` type($outlier_indices) `)`)?
  (`outlier_centroids` `(` $outlier_centroids^ `:`
     type($outlier_centroids) `)`)?
  (`perm` `(` $perm^ `:` type($perm) `)`)?
  (`weight_scale` `(` $weight_scale^ `:` type($weight_scale) `)`)?
  (`weight_bias` `(` $weight_bias^ `:` type($weight_bias) `)`)?
}];

/// Traits shared by the destination-style vptq ops.
defvar VPTQ_DpsTraits = [
  AttrSizedOperandSegments,
  DestinationStyleOpInterface,
  DeclareOpInterfaceMethods<MemoryEffectsOpInterface>
];

//===----------------------------------------------------------------------===//
// UnpackIndicesOp
//===----------------------------------------------------------------------===//

def VPTQ_UnpackIndicesOp : VPTQ_Op<"unpack_indices", [
    DestinationStyleOpInterface,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>]> {
  let summary = "Unpacks bit-packed main and residual indices";
  let description = [{
    Splits the packed index words of a layer whose configuration has
    `packed = true` into main indices and, when the layer has a residual
    codebook, residual indices. Each row of `group_size` codes is a
    little-endian bit stream of `index_bits + res_index_bits` bits per code,
    `res << index_bits | idx`, padded to whole int32 words.

    `packed` has shape `[NC, NI, ceil(GS * (IB + RB) / 32)]` and i32
    elements; each output has shape `[NC, NI, GS]` and an integer element
    type wide enough for its index. Indices are unsigned.

    Example:

    ```mlir
    %idx, %res = vptq.unpack_indices
        #vptq.vq<in_features = 64, out_features = 32, vector_len = 8,
                 num_centroids = 256, num_res_centroids = 16, packed = true>
        %packed : tensor<1x4x24xi32>
        outs(%i0, %r0 : tensor<1x4x64xi32>, tensor<1x4x64xi32>)
        -> tensor<1x4x64xi32>, tensor<1x4x64xi32>
    ```
  }];
  let arguments = (ins
    VPTQ_QuantConfigAttr:$config,
    VPTQ_TensorOrMemRef:$packed,
    VPTQ_TensorOrMemRef:$indices_init,
    Optional<VPTQ_TensorOrMemRef>:$res_indices_init
  );
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let assemblyFormat = [{
    qualified($config) $packed `:` type($packed)
    `outs` `(` $indices_init (`,` $res_indices_init^)? `:`
      type($indices_init) (`,` type($res_indices_init)^)? `)`
    attr-dict (`->` type($results)^)?
  }];
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() {
      return ::mlir::MutableOperandRange(getOperation(), /*start=*/1,
                                         getOperation()->getNumOperands() - 1);
    }
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// DequantOp
//===----------------------------------------------------------------------===//

def VPTQ_DequantOp : VPTQ_Op<"dequant", !listconcat(VPTQ_DpsTraits, [
    VPTQ_QuantizedWeightOpInterface])> {
  let summary = "Dequantizes a VPTQ weight to a dense matrix";
  let description = [{
    Reconstructs the dense weight `W` of shape `out_features x in_features`
    from a quantized layer, following the checkpoint format:

    1. `W[n*V + l, OS + c*GS + g] = centroids[c, idx[c,n,g]*V + l]`
       (`+ res_centroids[c, res[c,n,g]*V + l]` with a residual); the
       `(-out) mod V` padding rows are dropped.
    2. With outliers, `W[n*Vo + l, o] = outlier_centroids[0, oidx[0,n,o]*Vo + l]`
       for the first `outlier_size` columns.
    3. With `enable_perm`, column `i` moves to column `perm[i]`
       (`W = W[:, argsort(perm)]`).
    4. With `enable_norm`, `W = W * weight_scale + weight_bias` per input
       column.

    The result element type may differ from the codebook's (e.g. f32 from
    f16 codebooks); arithmetic is done in f32. Integer index and perm
    operands are read as unsigned.

    Example:

    ```mlir
    %w = vptq.dequant
        #vptq.vq<in_features = 64, out_features = 30, vector_len = 8,
                 num_centroids = 256>
        indices(%idx : tensor<1x4x64xi16>)
        centroids(%cb : tensor<1x2048xf16>)
        outs(%init : tensor<30x64xf16>) -> tensor<30x64xf16>
    ```
  }];
  let arguments = !con((ins VPTQ_QuantConfigAttr:$config),
                       VPTQ_WeightOperands,
                       (ins VPTQ_TensorOrMemRef:$init));
  let results = (outs Variadic<AnyRankedTensor>:$result);
  let assemblyFormat = !strconcat("qualified($config)", VPTQ_WeightFormat, [{
    `outs` `(` $init `:` type($init) `)`
    attr-dict (`->` type($result)^)?
  }]);
  let builders = [
    OpBuilder<(ins "QuantConfigAttr":$config,
                   "const QuantizedWeightValues &":$weight, "Value":$init)>
  ];
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() {
      return getInitMutable();
    }
  }];
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

//===----------------------------------------------------------------------===//
// MatmulOp
//===----------------------------------------------------------------------===//

def VPTQ_MatmulOp : VPTQ_Op<"matmul", !listconcat(VPTQ_DpsTraits, [
    VPTQ_QuantizedWeightOpInterface])> {
  let summary = "Fused quantized linear layer: input times a VPTQ weight";
  let description = [{
    Computes `result = input * W^T (+ bias)` where `input` is
    `batch x in_features` and `W` is the dequantized weight (see
    `vptq.dequant`), without materializing `W`. The batch dimension may be
    dynamic. Accumulation is in f32 whatever the element types; `input`,
    `result` and the model tensors (codebooks, norm, bias, which share one
    element type) may each be f16, bf16 or f32.

    This is the fused form of `vptq.dequant` followed by a dense matmul with
    the transposed weight; `vptq-decompose-matmul` and
    `vptq-fuse-dequant-matmul` convert between the two.

    The optional `tiling` (`#vptq.tiling`) and `placement`
    (`#vptq.placement`) attributes record kernel decisions made by
    `vptq-tile` and `vptq-place-codebooks`; the lowerings read them.

    Example (2-bit v8-k65536 with a 256-entry residual, 3 bits in all):

    ```mlir
    %y = vptq.matmul
        #vptq.vq<in_features = 4096, out_features = 4096, vector_len = 8,
                 num_centroids = 65536, num_res_centroids = 256,
                 packed = true, enable_perm = true>
        input(%x : tensor<?x4096xf16>)
        indices(%idx : tensor<1x512x3072xi32>)
        centroids(%cb : tensor<1x524288xf16>)
        res_centroids(%rcb : tensor<1x2048xf16>)
        perm(%perm : tensor<4096xi16>)
        outs(%init : tensor<?x4096xf16>) -> tensor<?x4096xf16>
    ```
  }];
  let arguments = !con((ins VPTQ_QuantConfigAttr:$config,
                            VPTQ_TensorOrMemRef:$input),
                       VPTQ_WeightOperands,
                       (ins Optional<VPTQ_TensorOrMemRef>:$bias,
                            VPTQ_TensorOrMemRef:$init,
                            OptionalAttr<VPTQ_TilingAttr>:$tiling,
                            OptionalAttr<VPTQ_PlacementAttr>:$placement));
  let results = (outs Variadic<AnyRankedTensor>:$result);
  let assemblyFormat = !strconcat([{
    qualified($config) `input` `(` $input `:` type($input) `)`
  }], VPTQ_WeightFormat, [{
    (`bias` `(` $bias^ `:` type($bias) `)`)?
    `outs` `(` $init `:` type($init) `)`
    attr-dict (`->` type($result)^)?
  }]);
  let builders = [
    OpBuilder<(ins "QuantConfigAttr":$config, "Value":$input,
                   "const QuantizedWeightValues &":$weight, "Value":$bias,
                   "Value":$init,
                   CArg<"TilingAttr", "{}">:$tiling,
                   CArg<"PlacementAttr", "{}">:$placement)>
  ];
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() {
      return getInitMutable();
    }
  }];
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

//===----------------------------------------------------------------------===//
// LinearOp
//===----------------------------------------------------------------------===//

def VPTQ_LinearOp : VPTQ_Op<"linear", [
    DestinationStyleOpInterface,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>]> {
  let summary = "Dense linear layer: input times a dense weight";
  let description = [{
    Computes `result = input * weight^T (+ bias)` for the layers a VPTQ
    model leaves unquantized (typically `lm_head`), so that a model's
    linear layers all lower through the same passes. `input` is
    `batch x in_features`, `weight` is `out_features x in_features`, `bias`
    has `out_features` elements; accumulation is in f32. The element types
    of `input`/`result` and of `weight`/`bias` are each f16, bf16 or f32.

    Example:

    ```mlir
    %y = vptq.linear input(%x : tensor<?x4096xf16>)
        weight(%w : tensor<32000x4096xf16>)
        outs(%init : tensor<?x32000xf16>) -> tensor<?x32000xf16>
    ```
  }];
  let arguments = (ins VPTQ_TensorOrMemRef:$input,
                       VPTQ_TensorOrMemRef:$weight,
                       Optional<VPTQ_TensorOrMemRef>:$bias,
                       VPTQ_TensorOrMemRef:$init,
                       OptionalAttr<VPTQ_TilingAttr>:$tiling);
  let results = (outs Variadic<AnyRankedTensor>:$result);
  let assemblyFormat = [{
    `input` `(` $input `:` type($input) `)`
    `weight` `(` $weight `:` type($weight) `)`
    (`bias` `(` $bias^ `:` type($bias) `)`)?
    `outs` `(` $init `:` type($init) `)`
    attr-dict (`->` type($result)^)?
  }];
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() {
      return getInitMutable();
    }
  }];
  let hasVerifier = 1;
}

#endif // VPTQ_DIALECT_VPTQ_IR_VPTQOPS_TD
