//===- VPTQAttrs.td - vptq attributes ----------------------*- tablegen -*-===//
//
// The quantization configuration of one VPTQ layer.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_DIALECT_VPTQ_IR_VPTQATTRS_TD
#define VPTQ_DIALECT_VPTQ_IR_VPTQATTRS_TD

include "vptq/Dialect/VPTQ/IR/VPTQDialect.td"
include "mlir/IR/EnumAttr.td"

def VPTQ_QuantConfigAttr : VPTQ_Attr<"QuantConfig", "vq"> {
  let summary = "Quantization parameters of one VPTQ linear layer";
  let description = [{
    The parameters a checkpoint's `quantization_config` gives for one linear
    layer of shape `out_features x in_features`. Keys use the checkpoint's
    names:

    | key | meaning | default |
    |---|---|---|
    | `in_features`, `out_features` | layer shape (weight is out x in) | required |
    | `vector_len` | main vector length V (`vector_lens[1]`) | required |
    | `num_centroids` | main centroids K per codebook | required |
    | `num_res_centroids` | residual centroids KR, 0 = no residual | 0 |
    | `num_codebooks` | codebooks NC (`group_num`) | 1 |
    | `group_size` | input columns per codebook GS | (in - outlier_size) / NC |
    | `outlier_size` | outlier input columns OS | 0 |
    | `outlier_vector_len` | outlier vector length Vo | 0 |
    | `num_outlier_centroids` | outlier centroids Ko | 0 |
    | `index_bits` | bits of a main index IB | ceil(log2 K) |
    | `res_index_bits` | bits of a residual index RB | ceil(log2 KR) |
    | `packed` | indices bit-packed in int32 words (`is_indice_packed`) | false |
    | `enable_perm` | input-column permutation present | false |
    | `enable_norm` | per-column weight_scale/weight_bias present | false |
    | `bias` | the layer has a bias | false |

    Keys equal to their default are omitted when printed. Derived
    quantities (padding rows `(-out) mod V`, index rows
    `NI = (out + padding) / V`, packed words per row
    `ceil(GS * (IB + RB) / 32)`) are available from C++.

    The verifier rejects inconsistent parameters, e.g. `in_features` not
    equal to `outlier_size + num_codebooks * group_size`, or `index_bits` too
    narrow for `num_centroids`.

    Example:

    ```mlir
    #vq = #vptq.vq<in_features = 4096, out_features = 11008, vector_len = 8,
                   num_centroids = 65536, num_res_centroids = 256,
                   packed = true, enable_perm = true, enable_norm = true>
    ```
  }];
  let parameters = (ins
    "int64_t":$inFeatures,
    "int64_t":$outFeatures,
    "int64_t":$vectorLen,
    "int64_t":$numCentroids,
    "int64_t":$numResCentroids,
    "int64_t":$numCodebooks,
    "int64_t":$groupSize,
    "int64_t":$outlierSize,
    "int64_t":$outlierVectorLen,
    "int64_t":$numOutlierCentroids,
    "int64_t":$indexBits,
    "int64_t":$resIndexBits,
    "bool":$packed,
    "bool":$enablePerm,
    "bool":$enableNorm,
    "bool":$bias
  );
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let builders = [
    AttrBuilder<(ins "const ::vptq::ref::LayerConfig &":$config), [{
      return $_get($_ctxt, config.inFeatures, config.outFeatures,
                   config.vectorLen, config.numCentroids,
                   config.numResCentroids, config.numCodebooks,
                   config.groupSize, config.outlierSize,
                   config.outlierVectorLen, config.numOutlierCentroids,
                   config.indexBits, config.resIndexBits, config.packed,
                   config.enablePerm, config.enableNorm, config.bias);
    }]>
  ];
  let extraClassDeclaration = [{
    /// The parameters as the plain struct the reference library and the
    /// runtime share.
    ::vptq::ref::LayerConfig getLayerConfig() const;

    /// Returns a copy with some parameters changed by `fn`.
    QuantConfigAttr
    withChanges(::llvm::function_ref<void(::vptq::ref::LayerConfig &)> fn)
        const;

    bool hasResidual() const { return getNumResCentroids() > 0; }
    bool hasOutliers() const { return getOutlierSize() > 0; }
    /// Output rows appended so that out_features divides by vector_len.
    int64_t getPadding() const { return getLayerConfig().padding(); }
    /// Index rows per codebook.
    int64_t getNumIndexRows() const { return getLayerConfig().numIndexRows(); }
    /// int32 words per packed index row.
    int64_t getPackedWordsPerRow() const {
      return getLayerConfig().packedWordsPerRow();
    }
    /// Outlier index rows.
    int64_t getNumOutlierIndexRows() const {
      return getLayerConfig().numOutlierIndexRows();
    }
  }];
}

//===----------------------------------------------------------------------===//
// Kernel decisions: tiling and codebook placement
//===----------------------------------------------------------------------===//

def VPTQ_CodebookPlacement : I32EnumAttr<"CodebookPlacement",
    "where a codebook is read from inside a kernel", [
  I32EnumAttrCase<"Global", 0, "global">,
  I32EnumAttrCase<"Shared", 1, "shared">,
  I32EnumAttrCase<"Registers", 2, "registers">,
  I32EnumAttrCase<"Sharded", 3, "sharded">,
  I32EnumAttrCase<"Replicated", 4, "replicated">,
  I32EnumAttrCase<"Multicast", 5, "multicast">
]> {
  let cppNamespace = "::mlir::vptq";
  let genSpecializedAttr = 0;
}

def VPTQ_TilingAttr : VPTQ_Attr<"Tiling", "tiling"> {
  let summary = "Tile sizes of a fused quantized matmul kernel";
  let description = [{
    How `vptq.matmul` is split into work items. Set by `vptq-tile` (from
    its options, the autotuner's database or a heuristic) and consumed by
    the GPU and CPU lowerings.

    * `block_rows`: index rows (each `vector_len` output rows) per GPU
      thread block, or per parallel CPU task.
    * `warps_per_row`: warps that split the reduction (K) of one index row
      inside a block (split-K within the block, reduced through shared
      memory). GPU only.
    * `batch_tile`: batch rows per block; each thread keeps
      `batch_tile * vector_len` f32 accumulators.
    * `k_chunk`: codes of each index row staged in shared memory per step;
      a multiple of `32 * warps_per_row`. GPU only.
    * `mma` (default false): multiply on tensor cores (NVIDIA sm_80 and
      newer, f16 or bf16 activations of the codebooks' type, even
      `vector_len`). The block's `block_rows * vector_len` (a multiple of
      16) output rows form 16-row tiles; its `warps_per_row` warps split
      them first (as many row warps as divide both) and the columns next
      (column groups taking interleaved chunks of `k_chunk`, a multiple of
      16, columns). Per chunk a column group stages `batch_tile` (a
      multiple of 8) rows of activations in shared memory, each warp
      dequantizes its tiles' weights straight into `mma.sync.m16n8k16`
      operands and multiplies them with f32 accumulators; the column
      groups' sums are added through shared memory. A block then has
      `32 * warps_per_row` threads.
    * `persistent_blocks` (default 0): with N > 0, at most N blocks along
      the rows (persistent blocks; e.g. the number of blocks the GPU holds
      at once): block i takes the row tiles i, i + N, i + 2N, ... and
      stages the codebooks once instead of once per row tile, and, when
      `k_chunk` covers a whole codebook group, the activations (with their
      permutation and channel norm) too. With 0, one block per row tile.
      SIMT kernels only (not with `mma`).
    * `shared_weights` (default false; with `mma` only): the block
      dequantizes each chunk of its weight tile once into shared memory
      (`k_chunk` x `block_rows * V`, one thread per codebook vector, so any
      even or odd `vector_len` whose rows make 16-row tiles) and its warps
      split the rows and the `batch_tile` (a multiple of 8, at most 256)
      batch rows, reading both operands with `ldmatrix`; no split along
      the columns. One dequantized weight then serves the whole batch
      tile, which large batches need. Two pipeline stages overlap the next
      chunk's loads with the multiply. With a permutation and one codebook
      group the chunks walk the input columns in natural order (the block
      keeps the inverse permutation in shared memory), so activations are
      copied, not gathered.
    * `staged_inputs` (default false; with `mma`, for kernels that read
      their codes straight into registers): each column group copies its
      chunks of activations into a shared tile once (asynchronous copies,
      two stages: the next chunk's copy overlaps the multiply, one group
      barrier per chunk) and every warp of the group reads its B fragments
      from it, instead of each warp loading them from global memory (8
      cache lines per 16-byte warp load: batch tiles of 64 rows reread the
      activations once per warp along the rows).
    * `register_wgmma` (default false; with `mma`, without `shared_weights`
      or `staged_inputs`; NVIDIA sm_90a): the block's `warps_per_row` (a
      multiple of 4) warps form warpgroups that split its rows into 64-row
      tiles (`block_rows * V` a multiple of 64 per warpgroup) and multiply
      with `wgmma.mma_async` whose weight operand comes from registers: each
      warp dequantizes its rows straight into the A registers (as the
      register fragments above, in natural column order), and the block
      copies each chunk's `batch_tile` (a multiple of 8, at most 256, one
      wgmma N) rows of activations into K-major 8 x 8 core matrices in
      shared memory, four stages deep, which the tensor cores read through
      descriptors. No weight tile in shared memory and no split along the
      columns: each weight is dequantized once per block.

    Example:

    ```mlir
    #vptq.tiling<block_rows = 2, warps_per_row = 4, batch_tile = 1,
                 k_chunk = 1024>
    #vptq.tiling<block_rows = 2, warps_per_row = 8, batch_tile = 32,
                 k_chunk = 32, mma = true>
    #vptq.tiling<block_rows = 4, warps_per_row = 8, batch_tile = 1,
                 k_chunk = 4096, persistent_blocks = 132>
    #vptq.tiling<block_rows = 8, warps_per_row = 8, batch_tile = 128,
                 k_chunk = 64, mma = true, shared_weights = true>
    #vptq.tiling<block_rows = 16, warps_per_row = 4, batch_tile = 64,
                 k_chunk = 32, mma = true, staged_inputs = true>
    #vptq.tiling<block_rows = 8, warps_per_row = 4, batch_tile = 128,
                 k_chunk = 32, mma = true, register_wgmma = true>
    ```
  }];
  let parameters = (ins
    "int64_t":$block_rows,
    "int64_t":$warps_per_row,
    "int64_t":$batch_tile,
    "int64_t":$k_chunk,
    DefaultValuedParameter<"bool", "false">:$mma,
    DefaultValuedParameter<"int64_t", "0">:$persistent_blocks,
    DefaultValuedParameter<"bool", "false">:$shared_weights,
    DefaultValuedParameter<"bool", "false">:$staged_inputs,
    DefaultValuedParameter<"bool", "false">:$register_wgmma
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Threads per GPU block: 32 * block_rows * warps_per_row, or
    /// 32 * warps_per_row on tensor cores.
    int64_t getThreads() const {
      return 32 * (getMma() ? 1 : getBlockRows()) * getWarpsPerRow();
    }
  }];
}

def VPTQ_PlacementAttr : VPTQ_Attr<"Placement", "placement"> {
  let summary = "Where a kernel reads each codebook from";
  let description = [{
    Set by `vptq-place-codebooks`: `shared` copies a codebook into shared
    memory once per block (it must fit the target's limit), `global` reads
    it from global memory through the caches (large codebooks, e.g.
    65536 x 8 x f16 = 1 MiB), `registers` spreads a tiny codebook (at most
    32 entries) over the lanes of a warp and gathers with shuffles,
    `sharded` (main codebook only) splits it over the blocks of a
    thread-block cluster, each block holding K / S entries in shared memory
    and taking the lookups whose index falls there (a `vptq.matmul` with
    `shard_entries` / `shard_offsets`; NVIDIA sm_90 and newer),
    `replicated` copies a codebook of 16-byte entries (V = 8 in f16 or
    bf16) into shared memory 8 times over, the copies of entry e side by
    side in one 128-byte row, and each lane reads the copy that puts its
    read on banks no other entry of its wavefront uses: random lookups
    without bank conflicts, for 8 times the shared memory (a 256-entry
    codebook takes 32 KiB),
    `multicast` keeps one copy in each block's shared memory as `shared`
    does, but the blocks form thread-block clusters and each block reads
    only its share of the codebook from global memory, with bulk copies
    that the cluster's multicast delivers to the shared memory of every
    block of the cluster: the codebook crosses from L2 once per cluster
    instead of once per block (SIMT kernels with one codebook group;
    NVIDIA sm_90 and newer).

    Example:

    ```mlir
    #vptq.placement<centroids = global, res_centroids = shared>
    ```
  }];
  let parameters = (ins
    EnumParameter<VPTQ_CodebookPlacement>:$centroids,
    EnumParameter<VPTQ_CodebookPlacement>:$res_centroids
  );
  let assemblyFormat = "`<` struct(params) `>`";
}

#endif // VPTQ_DIALECT_VPTQ_IR_VPTQATTRS_TD
