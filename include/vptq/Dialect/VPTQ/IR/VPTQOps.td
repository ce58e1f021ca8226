//===- VPTQOps.td - vptq operations ------------------------*- tablegen -*-===//
//
// Unpacking, dequantization, the fused quantized matmul, the dense linear
// layer, and the transformer operations around them.
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

    With `gate` (the shape and type of `input`), the activations are
    `silu(gate) * input` (`vptq.silu_mul`: computed in f32, rounded to the
    input's element type) instead of `input`: a SwiGLU MLP's down
    projection reads its gate and up projections' outputs directly. Gated
    matmuls lower to SIMT and sharded kernels (no tensor-core tilings) and
    to the CPU, and are not decomposed.

    `shard_entries` and `shard_offsets` (both or neither) carry the main
    indices once more, laid out for a codebook sharded by index value over
    the S blocks of a thread-block cluster (placement `sharded`): for shard
    s and index row n, entries `shard_offsets[s, n]` to
    `shard_offsets[s, n + 1]` (a multiple of 4 apart) are 32-bit words
    `column | (index - s * K / S) << 16`, one per column g of the row whose
    index falls into shard s, where `column` is the input column the
    weight column multiplies after the permutation (`perm[OS + g]`, or
    `OS + g`), padded with `in_features` (a zero activation). `shard_offsets`
    is `[S, NI + 1]` i32 with S a power of two dividing K; the layer has
    one codebook group and no residual. The runtime derives both from the
    checkpoint (`vptq::ref::shardIndices`); they do not change the result,
    and kernels other than the sharded GPU form ignore them.

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
                            VPTQ_TensorOrMemRef:$input,
                            Optional<VPTQ_TensorOrMemRef>:$gate),
                       VPTQ_WeightOperands,
                       (ins Optional<VPTQ_TensorOrMemRef>:$shard_entries,
                            Optional<VPTQ_TensorOrMemRef>:$shard_offsets,
                            Optional<VPTQ_TensorOrMemRef>:$bias,
                            VPTQ_TensorOrMemRef:$init,
                            OptionalAttr<VPTQ_TilingAttr>:$tiling,
                            OptionalAttr<VPTQ_PlacementAttr>:$placement));
  let results = (outs Variadic<AnyRankedTensor>:$result);
  let assemblyFormat = !strconcat([{
    qualified($config) `input` `(` $input `:` type($input) `)`
    (`gate` `(` $gate^ `:` type($gate) `)`)?
  }], VPTQ_WeightFormat, [{
    (`shard_entries` `(` $shard_entries^ `:` type($shard_entries) `)`)?
    (`shard_offsets` `(` $shard_offsets^ `:` type($shard_offsets) `)`)?
    (`bias` `(` $bias^ `:` type($bias) `)`)?
    `outs` `(` $init `:` type($init) `)`
    attr-dict (`->` type($result)^)?
  }]);
  let builders = [
    OpBuilder<(ins "QuantConfigAttr":$config, "Value":$input,
                   "const QuantizedWeightValues &":$weight, "Value":$bias,
                   "Value":$init,
                   CArg<"TilingAttr", "{}">:$tiling,
                   CArg<"PlacementAttr", "{}">:$placement,
                   CArg<"Value", "{}">:$shardEntries,
                   CArg<"Value", "{}">:$shardOffsets,
                   CArg<"Value", "{}">:$gate)>
  ];
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() {
      return getInitMutable();
    }
    /// The number of codebook shards (S of `shard_offsets`), 0 without
    /// shard operands.
    int64_t getNumCodebookShards();
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


//===----------------------------------------------------------------------===//
// Transformer operations
//===----------------------------------------------------------------------===//
//
// The non-linear parts of a Llama-family decoder, on memrefs whose leading
// dimension is the token (row) count T. Computation is in f32; floats of
// any width are read and written. Every op lowers to CPU loops and to one
// GPU kernel per op.

def VPTQ_FloatMemRef : MemRefOf<[F16, BF16, F32]>;
def VPTQ_I32MemRef : MemRefRankOf<[I32], [1]>;

class VPTQ_RowOp<string mnemonic, list<Trait> traits = []>
    : VPTQ_Op<mnemonic, !listconcat(traits,
                                    [MemoryEffects<[MemRead, MemWrite]>])> {
  let hasVerifier = 1;
}

def VPTQ_RMSNormOp : VPTQ_RowOp<"rms_norm"> {
  let summary = "Root-mean-square normalization of each row";
  let description = [{
    `output[t, i] = input[t, i] / sqrt(mean_j(input[t, j]^2) + epsilon) *
    weight[i]`, as Llama's RMSNorm, computed in f32. `input` and `output`
    are `T x D` (they may be the same buffer), `weight` has `D` elements.

    Example:

    ```mlir
    vptq.rms_norm %x, %w, %y {epsilon = 1.0e-05 : f64}
        : memref<?x4096xf16>, memref<4096xf16>, memref<?x4096xf16>
    ```
  }];
  let arguments = (ins VPTQ_FloatMemRef:$input, VPTQ_FloatMemRef:$weight,
                       VPTQ_FloatMemRef:$output, F64Attr:$epsilon);
  let assemblyFormat = [{
    $input `,` $weight `,` $output attr-dict `:` type($input) `,`
    type($weight) `,` type($output)
  }];
}

def VPTQ_AddRMSNormOp : VPTQ_RowOp<"add_rms_norm"> {
  let summary = "Residual connection fused with the next RMSNorm";
  let description = [{
    `residual[t] += delta[t]`, stored in the type of `residual`, then
    `output[t, i] = residual[t, i] / sqrt(mean_j(residual[t, j]^2) +
    epsilon) * weight[i]` on the stored (rounded) sums: exactly `vptq.add`
    followed by `vptq.rms_norm`, in one pass over the row. A Llama decoder
    adds each block's output to the residual stream and normalizes it for
    the next block; fused, that is one kernel instead of two. `residual`,
    `delta` and `output` are `T x D` (`delta` and `output` may be the same
    buffer, `output` must not be `residual`), `weight` has `D` elements.

    Example:

    ```mlir
    vptq.add_rms_norm %x, %o, %w, %h {epsilon = 1.0e-05 : f64}
        : memref<?x4096xf16>, memref<?x4096xf16>, memref<4096xf16>,
          memref<?x4096xf16>
    ```
  }];
  let arguments = (ins VPTQ_FloatMemRef:$residual, VPTQ_FloatMemRef:$delta,
                       VPTQ_FloatMemRef:$weight, VPTQ_FloatMemRef:$output,
                       F64Attr:$epsilon);
  let assemblyFormat = [{
    $residual `,` $delta `,` $weight `,` $output attr-dict `:`
    type($residual) `,` type($delta) `,` type($weight) `,` type($output)
  }];
}

def VPTQ_RotaryOp : VPTQ_RowOp<"rotary"> {
  let summary = "Rotary position embedding of each head of each row";
  let description = [{
    Rotates each `head_dim`-sized head of row `t` of `input` by the angles
    `positions[t] * inv_freq[i]`, pairing element `i` with `i + head_dim/2`
    (the Hugging Face "rotate half" layout):
    `out[i] = x[i] cos - x[i + h/2] sin`, `out[i + h/2] = x[i + h/2] cos +
    x[i] sin`. `input`/`output` are `T x (heads * head_dim)` (may be the same
    buffer); `positions` has T i32 elements; `inv_freq` has `head_dim / 2`
    f32 elements (rope_theta and any rope scaling are folded into it).
    Positions are read from memory, so one compiled decode step serves every
    position.

    Example:

    ```mlir
    vptq.rotary %q, %pos, %inv_freq, %q {head_dim = 128 : i64}
        : memref<?x4096xf16>, memref<?xi32>, memref<64xf32>, memref<?x4096xf16>
    ```
  }];
  let arguments = (ins VPTQ_FloatMemRef:$input, VPTQ_I32MemRef:$positions,
                       MemRefRankOf<[F32], [1]>:$inv_freq,
                       VPTQ_FloatMemRef:$output, I64Attr:$head_dim);
  let assemblyFormat = [{
    $input `,` $positions `,` $inv_freq `,` $output attr-dict `:`
    type($input) `,` type($positions) `,` type($inv_freq) `,` type($output)
  }];
}

def VPTQ_RotaryAppendOp : VPTQ_RowOp<"rotary_append"> {
  let summary = "Rotary embedding of queries and keys, fused with the cache appends";
  let description = [{
    What a decoder does between its q, k, v projections and attention, in
    one pass: rotates `query` in place and `key` into
    `key_cache[positions[t]]` exactly as `vptq.rotary` (angles
    `positions[t] * inv_freq[i]`, "rotate half" pairs), and copies `value`
    into `value_cache[positions[t]]` (`vptq.scatter_rows`). `key` is only
    read. `query` is `T x (heads * head_dim)`; `key`, `value` and the caches
    are `T x W` and `S x W` with W a multiple of `head_dim`; `positions` has
    T i32 elements, each below S; `inv_freq` has `head_dim / 2` f32
    elements. Stored values are rounded once, to the type of the memref
    they are stored into.

    Example:

    ```mlir
    vptq.rotary_append %q, %k, %v, %pos, %inv_freq, %kc, %vc
        {head_dim = 128 : i64}
        : memref<?x4096xf16>, memref<?x1024xf16>, memref<?x1024xf16>,
          memref<?xi32>, memref<64xf32>, memref<4096x1024xf16>,
          memref<4096x1024xf16>
    ```
  }];
  let arguments = (ins VPTQ_FloatMemRef:$query, VPTQ_FloatMemRef:$key,
                       VPTQ_FloatMemRef:$value, VPTQ_I32MemRef:$positions,
                       MemRefRankOf<[F32], [1]>:$inv_freq,
                       VPTQ_FloatMemRef:$key_cache,
                       VPTQ_FloatMemRef:$value_cache, I64Attr:$head_dim);
  let assemblyFormat = [{
    $query `,` $key `,` $value `,` $positions `,` $inv_freq `,` $key_cache
    `,` $value_cache attr-dict `:` type($query) `,` type($key) `,`
    type($value) `,` type($positions) `,` type($inv_freq) `,`
    type($key_cache) `,` type($value_cache)
  }];
}

def VPTQ_AttentionOp : VPTQ_RowOp<"attention"> {
  let summary = "Causal grouped-query attention over a key/value cache";
  let description = [{
    For each query row `t` and head `h`: attends to cache rows
    `0 .. positions[t]` (inclusive) of key/value head
    `h / (num_heads / num_kv_heads)`:
    `output[t, h] = sum_j softmax_j(scale * q[t, h] . k[j]) v[j]`, in f32
    with an online softmax. `query`/`output` are
    `T x (num_heads * head_dim)`; the caches are
    `S x (num_kv_heads * head_dim)`, S the longest sequence; `positions` has
    T i32 elements, each below S. New keys and values are written into the
    caches first (vptq.scatter_rows).

    Example:

    ```mlir
    vptq.attention %q, %kc, %vc, %pos, %o
        {num_heads = 32 : i64, num_kv_heads = 8 : i64, head_dim = 128 : i64,
         scale = 0.088388347648318 : f64}
        : memref<?x4096xf16>, memref<4096x1024xf16>, memref<4096x1024xf16>,
          memref<?xi32>, memref<?x4096xf16>
    ```
  }];
  let arguments = (ins VPTQ_FloatMemRef:$query, VPTQ_FloatMemRef:$key_cache,
                       VPTQ_FloatMemRef:$value_cache,
                       VPTQ_I32MemRef:$positions, VPTQ_FloatMemRef:$output,
                       I64Attr:$num_heads, I64Attr:$num_kv_heads,
                       I64Attr:$head_dim, F64Attr:$scale);
  let assemblyFormat = [{
    $query `,` $key_cache `,` $value_cache `,` $positions `,` $output
    attr-dict `:` type($query) `,` type($key_cache) `,` type($value_cache)
    `,` type($positions) `,` type($output)
  }];
}

def VPTQ_RotaryAttentionOp : VPTQ_RowOp<"rotary_attention"> {
  let summary = "Rotary embedding and cache appends fused with attention";
  let description = [{
    Exactly `vptq.rotary_append` (query rotated in place, the rotated key
    and the value written into the caches at `positions[t]`) followed by
    `vptq.attention` over the updated caches, in one kernel: a decode step
    runs one kernel between its projections where the two ops take two.
    Operand shapes are those of the two ops; `output` is `T x (num_heads *
    head_dim)`.

    On a GPU each (head, row) block appends the new key and value rows of
    every row of the call for its key/value head before it reads the cache
    (blocks of one head group store identical values), so its cost grows
    with T^2: it is meant for decode steps of one or a few rows. Prompts
    run the two ops.

    Example:

    ```mlir
    vptq.rotary_attention %q, %k, %v, %pos, %inv_freq, %kc, %vc, %o
        {num_heads = 32 : i64, num_kv_heads = 8 : i64, head_dim = 128 : i64,
         scale = 0.088388347648318 : f64}
        : memref<?x4096xf16>, memref<?x1024xf16>, memref<?x1024xf16>,
          memref<?xi32>, memref<64xf32>, memref<4096x1024xf16>,
          memref<4096x1024xf16>, memref<?x4096xf16>
    ```
  }];
  let arguments = (ins VPTQ_FloatMemRef:$query, VPTQ_FloatMemRef:$key,
                       VPTQ_FloatMemRef:$value, VPTQ_I32MemRef:$positions,
                       MemRefRankOf<[F32], [1]>:$inv_freq,
                       VPTQ_FloatMemRef:$key_cache,
                       VPTQ_FloatMemRef:$value_cache,
                       VPTQ_FloatMemRef:$output, I64Attr:$num_heads,
                       I64Attr:$num_kv_heads, I64Attr:$head_dim,
                       F64Attr:$scale);
  let assemblyFormat = [{
    $query `,` $key `,` $value `,` $positions `,` $inv_freq `,` $key_cache
    `,` $value_cache `,` $output attr-dict `:` type($query) `,` type($key)
    `,` type($value) `,` type($positions) `,` type($inv_freq) `,`
    type($key_cache) `,` type($value_cache) `,` type($output)
  }];
}

def VPTQ_SiluMulOp : VPTQ_RowOp<"silu_mul"> {
  let summary = "SwiGLU gating: silu(gate) * up";
  let description = [{
    `output = gate * sigmoid(gate) * up`, element-wise on `T x I` memrefs
    (the gate of a SwiGLU MLP), in f32.

    Example:

    ```mlir
    vptq.silu_mul %gate, %up, %h
        : memref<?x11008xf16>, memref<?x11008xf16>, memref<?x11008xf16>
    ```
  }];
  let arguments = (ins VPTQ_FloatMemRef:$gate, VPTQ_FloatMemRef:$up,
                       VPTQ_FloatMemRef:$output);
  let assemblyFormat = [{
    $gate `,` $up `,` $output attr-dict `:` type($gate) `,` type($up) `,`
    type($output)
  }];
}

def VPTQ_AddOp : VPTQ_RowOp<"add"> {
  let summary = "Element-wise sum (residual connections)";
  let description = [{
    `output = lhs + rhs` on `T x D` memrefs, in f32; `output` may be one of
    the operands.

    Example:

    ```mlir
    vptq.add %x, %attn, %x
        : memref<?x4096xf16>, memref<?x4096xf16>, memref<?x4096xf16>
    ```
  }];
  let arguments = (ins VPTQ_FloatMemRef:$lhs, VPTQ_FloatMemRef:$rhs,
                       VPTQ_FloatMemRef:$output);
  let assemblyFormat = [{
    $lhs `,` $rhs `,` $output attr-dict `:` type($lhs) `,` type($rhs) `,`
    type($output)
  }];
}

def VPTQ_GatherRowsOp : VPTQ_RowOp<"gather_rows"> {
  let summary = "Rows of a table selected by index (embedding lookup)";
  let description = [{
    `output[t, :] = table[indices[t], :]`, converted to the element type of
    `output`. `table` is `N x D`, `indices` has T i32 elements below N,
    `output` is `T x D`.

    Example:

    ```mlir
    vptq.gather_rows %embed, %tokens, %x
        : memref<32000x4096xf16>, memref<?xi32>, memref<?x4096xf16>
    ```
  }];
  let arguments = (ins VPTQ_FloatMemRef:$table, VPTQ_I32MemRef:$indices,
                       VPTQ_FloatMemRef:$output);
  let assemblyFormat = [{
    $table `,` $indices `,` $output attr-dict `:` type($table) `,`
    type($indices) `,` type($output)
  }];
}

def VPTQ_ScatterRowsOp : VPTQ_RowOp<"scatter_rows"> {
  let summary = "Rows written to a table at given indices (cache append)";
  let description = [{
    `output[indices[t], :] = input[t, :]`, converted to the element type of
    `output`: appends keys and values to a cache. `input` is `T x D`,
    `indices` has T i32 elements below N, `output` is `N x D`.

    Example:

    ```mlir
    vptq.scatter_rows %k, %pos, %key_cache
        : memref<?x1024xf16>, memref<?xi32>, memref<4096x1024xf16>
    ```
  }];
  let arguments = (ins VPTQ_FloatMemRef:$input, VPTQ_I32MemRef:$indices,
                       VPTQ_FloatMemRef:$output);
  let assemblyFormat = [{
    $input `,` $indices `,` $output attr-dict `:` type($input) `,`
    type($indices) `,` type($output)
  }];
}

//===----------------------------------------------------------------------===//
// Quantizer operations
//===----------------------------------------------------------------------===//
//
// The heavy math of the VPTQ quantizer (vptq-quantize): nearest-centroid
// search for k-means and Hessian accumulation, on f32 memrefs. Like the
// transformer ops they lower to CPU loops and to one GPU kernel each.

def VPTQ_NearestOp : VPTQ_RowOp<"nearest"> {
  let summary = "Nearest centroid of each point (k-means assignment)";
  let description = [{
    For each row `t` of `points` (`T x V`): `indices[t]` is the index of the
    centroid (row of `centroids`, `K x V`) at the smallest squared Euclidean
    distance, the lowest index on ties, and `distances[t]` that distance.
    Distances are computed in f32. K is usually dynamic, so one compiled
    kernel serves every codebook size. The per-point k-means weights do not
    change the argmin and are applied by the caller.

    Example:

    ```mlir
    vptq.nearest %points, %centroids, %indices, %distances
        : memref<?x8xf32>, memref<?x8xf32>, memref<?xi32>, memref<?xf32>
    ```
  }];
  let arguments = (ins MemRefRankOf<[F32], [2]>:$points,
                       MemRefRankOf<[F32], [2]>:$centroids,
                       VPTQ_I32MemRef:$indices,
                       MemRefRankOf<[F32], [1]>:$distances);
  let assemblyFormat = [{
    $points `,` $centroids `,` $indices `,` $distances attr-dict `:`
    type($points) `,` type($centroids) `,` type($indices) `,`
    type($distances)
  }];
}

def VPTQ_GramOp : VPTQ_RowOp<"gram"> {
  let summary = "Accumulates the Gram matrix of a batch of rows (Hessian)";
  let description = [{
    `hessian += input^T input`: `hessian[i, k] += sum_t input[t, i] *
    input[t, k]` for a `T x N` `input` and an `N x N` `hessian`, in f32. The
    quantizer calls it on every linear layer's inputs during calibration to
    build H = X^T X.

    Example:

    ```mlir
    vptq.gram %x, %h : memref<?x4096xf32>, memref<4096x4096xf32>
    ```
  }];
  let arguments = (ins MemRefRankOf<[F32], [2]>:$input,
                       MemRefRankOf<[F32], [2]>:$hessian);
  let assemblyFormat = [{
    $input `,` $hessian attr-dict `:` type($input) `,` type($hessian)
  }];
}

#endif // VPTQ_DIALECT_VPTQ_IR_VPTQOPS_TD
