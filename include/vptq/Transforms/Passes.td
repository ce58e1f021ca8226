//===- Passes.td - vptq transformation passes --------------*- tablegen -*-===//
//
// Fusion, decomposition, tiling and codebook placement of quantized
// matmuls.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_TRANSFORMS_PASSES_TD
#define VPTQ_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def FuseDequantMatmul : Pass<"vptq-fuse-dequant-matmul"> {
  let summary = "Fuse vptq.dequant feeding a dense matmul into vptq.matmul";
  let description = [{
    Rewrites a `linalg.matmul` that multiplies activations by the transpose
    of a `vptq.dequant` result, accumulating into a zero-filled init, into
    one `vptq.matmul` that never materializes the weight. The transpose may
    be a `linalg.transpose` of the weight or the matmul's own indexing maps
    (`(m, n, k) -> (n, k)` for the weight). An element-wise epilogue that
    adds a bias broadcast along the batch and/or truncates the f32 result
    (as `vptq-decompose-matmul` produces) is folded into the fused op.

    Fusion drops the rounding of the weight to the dequant result's element
    type: the fused kernel uses the exact f32 weight.

    Before:

    ```mlir
    %w = vptq.dequant #vq indices(...) centroids(...) outs(%e : tensor<NxKxf32>)
    %z = linalg.fill ins(%zero : f32) outs(%acc : tensor<BxNxf32>)
    %y = linalg.matmul indexing_maps = [#map_mk, #map_nk, #map_mn]
           ins(%x, %w : tensor<BxKxf16>, tensor<NxKxf32>) outs(%z : ...)
    ```

    After:

    ```mlir
    %y = vptq.matmul #vq input(%x : tensor<BxKxf16>) indices(...)
           centroids(...) outs(%acc : tensor<BxNxf32>)
    ```
  }];
  let dependentDialects = ["::mlir::vptq::VPTQDialect"];
}

def DecomposeMatmul : Pass<"vptq-decompose-matmul"> {
  let summary = "Split vptq.matmul into vptq.dequant and a dense matmul";
  let description = [{
    The reverse of `vptq-fuse-dequant-matmul`, for targets that prefer a
    dense GEMM (e.g. large batches): each `vptq.matmul` on tensors becomes a
    `vptq.dequant` to an f32 weight, a `linalg.matmul` with transposed-B
    indexing maps accumulating in f32, and, when there is a bias or the
    result is not f32, a `linalg.generic` epilogue adding the bias and
    rounding to the result type.

    With `min-batch`, only ops whose static batch is at least that large
    are decomposed.

    Before:

    ```mlir
    %y = vptq.matmul #vq input(%x : tensor<64x4096xf16>) ... bias(%b : ...)
           outs(%o : tensor<64x4096xf16>)
    ```

    After:

    ```mlir
    %w = vptq.dequant #vq ... outs(%e : tensor<4096x4096xf32>)
    %z = linalg.fill ins(%cst : f32) outs(%e2 : tensor<64x4096xf32>)
    %acc = linalg.matmul indexing_maps = [...] ins(%x, %w) outs(%z)
    %y = linalg.generic ... ins(%acc, %b) outs(%o)  // + bias, truncf
    ```
  }];
  let options = [
    Option<"minBatch", "min-batch", "int64_t", /*default=*/"0",
           "Only decompose ops whose static batch is at least this (0: all)">
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect"];
}

def TileMatmul : Pass<"vptq-tile"> {
  let summary = "Choose the tiling of each vptq.matmul kernel";
  let description = [{
    Attaches a `#vptq.tiling` attribute to every `vptq.matmul`: the rows of
    the output per block or task, the warps splitting the reduction (K) of a
    row, the batch rows per block, and the K chunk staged per step.

    Sources, in priority order: the pass options (each given option
    overrides that one field), a `tiling` attribute already on the op (set
    e.g. by the autotuner; kept unless `override` is set), and otherwise the
    default heuristic for `chip`, which assumes a dynamic batch of
    `batch-hint` rows. A matmul with sharded indices (`shard_entries`) gets
    the sharded kernel's tiling: 32 warps, 1-4 per index row, one batch row
    per block, and `persistent_blocks` = S x the clusters
    the chip runs at once.

    Before:

    ```mlir
    %y = vptq.matmul #vq input(%x : tensor<1x4096xf16>) ...
    ```

    After (`chip=sm_90a`):

    ```mlir
    %y = vptq.matmul #vq input(%x : tensor<1x4096xf16>) ...
           {tiling = #vptq.tiling<block_rows = 2, warps_per_row = 4,
                                  batch_tile = 1, k_chunk = 1024>}
    ```
  }];
  let options = [
    Option<"chip", "chip", "std::string", /*default=*/"\"host\"",
           "Target chip: host, sm_XX or gfxNNN">,
    Option<"blockRows", "block-rows", "int64_t", "0",
           "Index rows per block or task (0: choose)">,
    Option<"warpsPerRow", "warps-per-row", "int64_t", "0",
           "Warps splitting the reduction of a row (0: choose)">,
    Option<"batchTile", "batch-tile", "int64_t", "0",
           "Batch rows per block (0: choose)">,
    Option<"kChunk", "k-chunk", "int64_t", "0",
           "Codes of a row staged per step (0: choose)">,
    Option<"batchHint", "batch-hint", "int64_t", "1",
           "Batch size assumed for a dynamic batch dimension">,
    Option<"mma", "mma", "int64_t", "-1",
           "Tensor-core tiles: 1 always, 0 never, -1 where the heuristic "
           "picks them (NVIDIA sm_80+, f16/bf16, batch >= 4)">,
    Option<"persistentBlocks", "persistent-blocks", "int64_t", "-1",
           "Persistent blocks of vptq.matmul SIMT kernels (tensor-core "
           "tilings keep 0): N > 0 at most N blocks along the rows, 0 one "
           "per row tile, -1 the heuristic's choice">,
    Option<"overrideExisting", "override", "bool", "false",
           "Replace tiling attributes already present">
  ];
  let dependentDialects = ["::mlir::vptq::VPTQDialect"];
}

def PlaceCodebooks : Pass<"vptq-place-codebooks"> {
  let summary = "Decide where each kernel reads its codebooks from";
  let description = [{
    Attaches a `#vptq.placement` attribute to every `vptq.matmul`: a
    codebook of at most 16 entries is spread over the lanes of a warp
    (`registers`), one that fits in shared memory beside the kernel's other
    buffers is copied there (`shared`), and a larger one (e.g. 65536 x 8 x
    f16 = 1 MiB) is read from global memory through L2 (`global`). The
    shared-memory limit comes from `chip` or `max-shared-bytes`.
    `centroids` / `res-centroids` force a placement; a forced shared
    placement that does not fit is an error. A matmul with `shard_entries`
    and `shard_offsets` gets `sharded` (its codebook split over the blocks
    of a thread-block cluster, sm_90 and newer) whatever the options say.
    Two placements are only forced, never defaults: `replicated` beyond
    the small codebooks that get it on NVIDIA chips, and `multicast`
    (shared memory filled by cluster multicast: SIMT kernels with one
    codebook group on sm_90 and newer; measured slower than `shared` on the
    7B decode layers). Requires `tiling` (run `vptq-tile` first); on the CPU everything is
    `global`.

    After (`chip=sm_90a`, a 4096-entry codebook with a 16-entry residual):

    ```mlir
    vptq.matmul ... {placement = #vptq.placement<centroids = shared,
                                                 res_centroids = registers>,
                     tiling = ...}
    ```
  }];
  let options = [
    Option<"chip", "chip", "std::string", /*default=*/"\"host\"",
           "Target chip: host, sm_XX or gfxNNN">,
    Option<"maxSharedBytes", "max-shared-bytes", "int64_t", "0",
           "Shared memory limit per block in bytes (0: the chip's)">,
    Option<"centroids", "centroids", "std::string", "\"\"",
           "Force the main codebook's placement: global, shared, "
           "registers, replicated or multicast">,
    Option<"resCentroids", "res-centroids", "std::string", "\"\"",
           "Force the residual codebook's placement">,
    Option<"overrideExisting", "override", "bool", "false",
           "Replace placement attributes already present">
  ];
  let dependentDialects = ["::mlir::vptq::VPTQDialect"];
}

#endif // VPTQ_TRANSFORMS_PASSES_TD
