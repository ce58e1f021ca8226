// RUN: vptq-opt %s -split-input-file -vptq-tile=chip=sm_90a | FileCheck %s --check-prefix=SM90
// RUN: vptq-opt %s -split-input-file -vptq-tile=chip=host | FileCheck %s --check-prefix=CPU
// RUN: vptq-opt %s -split-input-file -vptq-tile="chip=gfx942 block-rows=2 k-chunk=4096" | FileCheck %s --check-prefix=OPT
// RUN: vptq-opt %s -split-input-file -vptq-tile="chip=sm_90a override" | FileCheck %s --check-prefix=OVERRIDE
// RUN: vptq-opt %s -split-input-file -vptq-tile="chip=sm_90a mma=0" | FileCheck %s --check-prefix=NOMMA
// RUN: vptq-opt %s -split-input-file -vptq-tile="chip=sm_75" | FileCheck %s --check-prefix=NOMMA
// RUN: vptq-opt %s -split-input-file -vptq-tile="chip=sm_90a persistent-blocks=0" | FileCheck %s --check-prefix=PB0
// RUN: vptq-opt %s -split-input-file -vptq-tile="chip=sm_90a persistent-blocks=100" | FileCheck %s --check-prefix=PB100
// RUN: vptq-opt %s -split-input-file -vptq-tile="chip=sm_80" | FileCheck %s --check-prefix=SM80

// vptq-tile attaches #vptq.tiling to every vptq.matmul: from the pass
// options (per field), from an attribute already present (kept unless
// `override`), or from the target's heuristic.

// A long row (11008 codes) is split over 8 warps; 512 index rows make 256
// blocks of 2 rows (512 threads), which an H100 holds at once (2 per SM):
// no persistent blocks. The whole row in one chunk: the lanes read their
// codes straight into registers (getDirectCodeGroup), so only the 64 KiB
// codebook and 43 KiB of activations need shared memory and two blocks
// still fit an SM.
// SM90-LABEL: func.func @long_rows
// SM90: vptq.matmul {{.*}} {tiling = #vptq.tiling<block_rows = 2, warps_per_row = 8, batch_tile = 1, k_chunk = 11008>}
// CPU-LABEL: func.func @long_rows
// CPU: {tiling = #vptq.tiling<block_rows = 8, warps_per_row = 1, batch_tile = 1, k_chunk = 32>}
// OPT-LABEL: func.func @long_rows
// OPT: {tiling = #vptq.tiling<block_rows = 2, warps_per_row = 8, batch_tile = 1, k_chunk = 4096>}
func.func @long_rows(%x: memref<?x11008xf16>, %i: memref<1x512x4128xi32>,
                     %c: memref<1x32768xf16>, %y: memref<?x4096xf16>) {
  vptq.matmul #vptq.vq<in_features = 11008, out_features = 4096, vector_len = 8,
                       num_centroids = 4096, packed = true>
      input(%x : memref<?x11008xf16>) indices(%i : memref<1x512x4128xi32>)
      centroids(%c : memref<1x32768xf16>) outs(%y : memref<?x4096xf16>)
  return
}

// -----

// The same layer with perm and norm: its staging gathers x and
// weight_scale (43 KiB) through L1, which two blocks of the whole row in
// one chunk (108 KiB each) would leave at 28 KiB: 2048-code chunks.
// SM90-LABEL: func.func @long_rows_perm
// SM90: vptq.matmul {{.*}} {tiling = #vptq.tiling<block_rows = 2, warps_per_row = 8, batch_tile = 1, k_chunk = 2048>}
func.func @long_rows_perm(%x: memref<?x11008xf16>, %i: memref<1x512x4128xi32>,
                          %c: memref<1x32768xf16>, %p: memref<11008xi16>,
                          %s: memref<11008xf16>, %nb: memref<11008xf16>,
                          %y: memref<?x4096xf16>) {
  vptq.matmul #vptq.vq<in_features = 11008, out_features = 4096, vector_len = 8,
                       num_centroids = 4096, packed = true, enable_perm = true,
                       enable_norm = true>
      input(%x : memref<?x11008xf16>) indices(%i : memref<1x512x4128xi32>)
      centroids(%c : memref<1x32768xf16>) perm(%p : memref<11008xi16>)
      weight_scale(%s : memref<11008xf16>) weight_bias(%nb : memref<11008xf16>)
      outs(%y : memref<?x4096xf16>)
  return
}

// -----

// Decode of a tall layer (1376 index rows of 4096 codes): 1024-thread
// blocks of 4 rows, the whole group in one chunk, and persistent blocks,
// two per SM of an H100, so that each block stages the 64 KiB codebook and
// the activations once for its 1-2 row tiles.
// SM90-LABEL: func.func @tall_decode
// SM90: {tiling = #vptq.tiling<block_rows = 4, warps_per_row = 8, batch_tile = 1, k_chunk = 4096, persistent_blocks = 264>}
// PB0-LABEL: func.func @tall_decode
// PB0: {tiling = #vptq.tiling<block_rows = 4, warps_per_row = 8, batch_tile = 1, k_chunk = 4096>}
// PB100-LABEL: func.func @tall_decode
// PB100: {tiling = #vptq.tiling<block_rows = 4, warps_per_row = 8, batch_tile = 1, k_chunk = 4096, persistent_blocks = 100>}
// A100 (108 SMs, 163 KiB of shared memory): the whole group in one chunk
// would fit one such block per SM, chunks of 2048 codes two (the codes go
// to registers, so the chunk costs only its 8 KiB of activations).
// SM80-LABEL: func.func @tall_decode
// SM80: {tiling = #vptq.tiling<block_rows = 4, warps_per_row = 8, batch_tile = 1, k_chunk = 2048, persistent_blocks = 216>}
// Two codebook groups: a codebook per group and row tile, so no persistent
// blocks.
// SM90-LABEL: func.func @tall_decode_two_groups
// SM90: {tiling = #vptq.tiling<block_rows = 4, warps_per_row = 8, batch_tile = 1, k_chunk = 2048>}
func.func @tall_decode(%x: memref<?x4096xf16>, %i: memref<1x1376x1536xi32>,
                       %c: memref<1x32768xf16>, %y: memref<?x11008xf16>) {
  vptq.matmul #vptq.vq<in_features = 4096, out_features = 11008, vector_len = 8,
                       num_centroids = 4096, packed = true>
      input(%x : memref<?x4096xf16>) indices(%i : memref<1x1376x1536xi32>)
      centroids(%c : memref<1x32768xf16>) outs(%y : memref<?x11008xf16>)
  return
}
func.func @tall_decode_two_groups(%x: memref<?x4096xf16>,
                                  %i: memref<2x1376x768xi32>,
                                  %c: memref<2x32768xf16>,
                                  %y: memref<?x11008xf16>) {
  vptq.matmul #vptq.vq<in_features = 4096, out_features = 11008, vector_len = 8,
                       num_centroids = 4096, num_codebooks = 2,
                       group_size = 2048, packed = true>
      input(%x : memref<?x4096xf16>) indices(%i : memref<2x1376x768xi32>)
      centroids(%c : memref<2x32768xf16>) outs(%y : memref<?x11008xf16>)
  return
}

// -----

// A 1 MiB codebook from global memory, nothing else staged per block: 256
// threads (1 row x 8 warps), one block per row tile. With a permutation and
// the channel norm the block stages gathered, scaled activations: 1024
// threads and persistent blocks.
// SM90-LABEL: func.func @global_decode
// SM90: {tiling = #vptq.tiling<block_rows = 1, warps_per_row = 8, batch_tile = 1, k_chunk = 2048>}
// SM90-LABEL: func.func @global_decode_perm_norm
// SM90: {tiling = #vptq.tiling<block_rows = 4, warps_per_row = 8, batch_tile = 1, k_chunk = 4096, persistent_blocks = 264>}
func.func @global_decode(%x: memref<?x4096xf16>, %i: memref<1x1376x2048xi32>,
                         %c: memref<1x524288xf16>, %y: memref<?x11008xf16>) {
  vptq.matmul #vptq.vq<in_features = 4096, out_features = 11008, vector_len = 8,
                       num_centroids = 65536, packed = true>
      input(%x : memref<?x4096xf16>) indices(%i : memref<1x1376x2048xi32>)
      centroids(%c : memref<1x524288xf16>) outs(%y : memref<?x11008xf16>)
  return
}
func.func @global_decode_perm_norm(%x: memref<?x4096xf16>,
                                   %i: memref<1x1376x2048xi32>,
                                   %c: memref<1x524288xf16>,
                                   %p: memref<4096xi16>, %s: memref<4096xf16>,
                                   %nb: memref<4096xf16>,
                                   %y: memref<?x11008xf16>) {
  vptq.matmul #vptq.vq<in_features = 4096, out_features = 11008, vector_len = 8,
                       num_centroids = 65536, packed = true, enable_perm = true,
                       enable_norm = true>
      input(%x : memref<?x4096xf16>) indices(%i : memref<1x1376x2048xi32>)
      centroids(%c : memref<1x524288xf16>) perm(%p : memref<4096xi16>)
      weight_scale(%s : memref<4096xf16>) weight_bias(%nb : memref<4096xf16>)
      outs(%y : memref<?x11008xf16>)
  return
}

// -----

// A static batch of 16 with f16 activations runs on tensor cores on sm_90a,
// with its packed 16-bit codes and activations read straight into
// registers: 2 index rows (one 16-row mma tile) per block, 8 warps
// splitting the columns in 64-column chunks, 32 batch rows per block.
// SM90-LABEL: func.func @batch16
// SM90: {tiling = #vptq.tiling<block_rows = 2, warps_per_row = 8, batch_tile = 32, k_chunk = 64, mma = true>}
// Without tensor cores (mma=0, or sm_75): 4 batch rows at a time (4 x 8
// accumulators), one warp per row, 8 rows per block, 256-code chunks.
// NOMMA-LABEL: func.func @batch16
// NOMMA: {tiling = #vptq.tiling<block_rows = 8, warps_per_row = 1, batch_tile = 4, k_chunk = 256>}
// CPU-LABEL: func.func @batch16
// CPU: {tiling = #vptq.tiling<block_rows = 21, warps_per_row = 1, batch_tile = 4, k_chunk = 32>}
func.func @batch16(%x: memref<16x4096xf16>, %i: memref<1x1376x2048xi32>,
                   %c: memref<1x524288xf16>, %y: memref<16x11008xf16>) {
  vptq.matmul #vptq.vq<in_features = 4096, out_features = 11008, vector_len = 8,
                       num_centroids = 65536, packed = true>
      input(%x : memref<16x4096xf16>) indices(%i : memref<1x1376x2048xi32>)
      centroids(%c : memref<1x524288xf16>) outs(%y : memref<16x11008xf16>)
  return
}

// -----

// The same matmul with a gated input (a SwiGLU down projection) keeps to
// the SIMT tiling that sm_75 gets: gated inputs are read by SIMT kernels.
// SM90-LABEL: func.func @batch16_gated
// SM90: {tiling = #vptq.tiling<block_rows = 8, warps_per_row = 1, batch_tile = 4, k_chunk = 256>}
func.func @batch16_gated(%x: memref<16x4096xf16>, %g: memref<16x4096xf16>,
                         %i: memref<1x1376x2048xi32>,
                         %c: memref<1x524288xf16>, %y: memref<16x11008xf16>) {
  vptq.matmul #vptq.vq<in_features = 4096, out_features = 11008, vector_len = 8,
                       num_centroids = 65536, packed = true>
      input(%x : memref<16x4096xf16>) gate(%g : memref<16x4096xf16>)
      indices(%i : memref<1x1376x2048xi32>)
      centroids(%c : memref<1x524288xf16>) outs(%y : memref<16x11008xf16>)
  return
}

// -----

// Batches of 32-127 rows get tilings of their own (the runtime's mid-batch
// kernel): a global codebook one 16-row tile per block, 8 warps, batch
// tiles of 64 in 32-column chunks (each lookup serves 64 rows), or, with
// more than 4096 columns and a 32-row block per processor (13824 / 32 = 432
// blocks), 32-row blocks of 4 warps in 64-column chunks; a 64 KiB shared
// codebook 64-row blocks of 4 warps, batch tiles of 32, 64-column chunks;
// with a residual (split weights, V = 8) 32-row blocks, in batch tiles of
// 64 and 32-column chunks under the same bounds as the global codebook.
// SM90-LABEL: func.func @batch64
// SM90: {tiling = #vptq.tiling<block_rows = 2, warps_per_row = 8, batch_tile = 64, k_chunk = 32, mma = true>}
// SM90-LABEL: func.func @batch64_global_long
// SM90: {tiling = #vptq.tiling<block_rows = 4, warps_per_row = 4, batch_tile = 64, k_chunk = 64, mma = true>}
// 16-element vectors on global codebooks: two index rows (32 rows) per
// block with more than 4096 columns, else one; 8 warps, batch tiles of 64,
// 32-column chunks.
// SM90-LABEL: func.func @batch64_v16
// SM90: {tiling = #vptq.tiling<block_rows = 1, warps_per_row = 8, batch_tile = 64, k_chunk = 32, mma = true>}
// SM90-LABEL: func.func @batch64_v16_long
// SM90: {tiling = #vptq.tiling<block_rows = 2, warps_per_row = 8, batch_tile = 64, k_chunk = 32, mma = true>}
// SM90-LABEL: func.func @batch64_shared
// SM90: {tiling = #vptq.tiling<block_rows = 8, warps_per_row = 4, batch_tile = 32, k_chunk = 64, mma = true>}
// SM90-LABEL: func.func @batch32_split
// SM90: {tiling = #vptq.tiling<block_rows = 4, warps_per_row = 4, batch_tile = 32, k_chunk = 64, mma = true>}
// SM90-LABEL: func.func @batch64_split_4096
// SM90: {tiling = #vptq.tiling<block_rows = 4, warps_per_row = 4, batch_tile = 32, k_chunk = 64, mma = true>}
// SM90-LABEL: func.func @batch64_split_long
// SM90: {tiling = #vptq.tiling<block_rows = 4, warps_per_row = 4, batch_tile = 64, k_chunk = 32, mma = true>}
// V = 12 with two 96 KiB shared codebooks (the rule above would need 96
// accumulators): 32-column chunks of batch tiles of 32, 8 warps, and index
// rows 16 at a time while the grid has half a block per processor (58 row
// blocks x 2 batch tiles for 11008 rows), 8 at a time for 4096 rows.
// SM90-LABEL: func.func @batch64_v12
// SM90: {tiling = #vptq.tiling<block_rows = 16, warps_per_row = 8, batch_tile = 32, k_chunk = 32, mma = true>}
// SM90-LABEL: func.func @batch64_v12_4096
// SM90: {tiling = #vptq.tiling<block_rows = 8, warps_per_row = 8, batch_tile = 32, k_chunk = 32, mma = true>}
func.func @batch64(%x: memref<64x4096xf16>, %i: memref<1x1376x2048xi32>,
                   %c: memref<1x524288xf16>, %y: memref<64x11008xf16>) {
  vptq.matmul #vptq.vq<in_features = 4096, out_features = 11008, vector_len = 8,
                       num_centroids = 65536, packed = true>
      input(%x : memref<64x4096xf16>) indices(%i : memref<1x1376x2048xi32>)
      centroids(%c : memref<1x524288xf16>) outs(%y : memref<64x11008xf16>)
  return
}
func.func @batch64_global_long(%x: memref<64x5120xf16>, %i: memref<1x1728x2560xi32>,
                              %c: memref<1x524288xf16>, %y: memref<64x13824xf16>) {
  vptq.matmul #vptq.vq<in_features = 5120, out_features = 13824, vector_len = 8,
                       num_centroids = 65536, packed = true>
      input(%x : memref<64x5120xf16>) indices(%i : memref<1x1728x2560xi32>)
      centroids(%c : memref<1x524288xf16>) outs(%y : memref<64x13824xf16>)
  return
}
func.func @batch64_v16(%x: memref<64x4096xf16>, %i: memref<1x256x4096xi32>,
                       %c: memref<1x1048576xf16>, %rc: memref<1x1048576xf16>,
                       %y: memref<64x4096xf16>) {
  vptq.matmul #vptq.vq<in_features = 4096, out_features = 4096, vector_len = 16,
                       num_centroids = 65536, num_res_centroids = 65536, packed = true>
      input(%x : memref<64x4096xf16>) indices(%i : memref<1x256x4096xi32>)
      centroids(%c : memref<1x1048576xf16>) res_centroids(%rc : memref<1x1048576xf16>)
      outs(%y : memref<64x4096xf16>)
  return
}
func.func @batch64_v16_long(%x: memref<64x5120xf16>, %i: memref<1x320x5120xi32>,
                            %c: memref<1x1048576xf16>, %rc: memref<1x1048576xf16>,
                            %y: memref<64x5120xf16>) {
  vptq.matmul #vptq.vq<in_features = 5120, out_features = 5120, vector_len = 16,
                       num_centroids = 65536, num_res_centroids = 65536, packed = true>
      input(%x : memref<64x5120xf16>) indices(%i : memref<1x320x5120xi32>)
      centroids(%c : memref<1x1048576xf16>) res_centroids(%rc : memref<1x1048576xf16>)
      outs(%y : memref<64x5120xf16>)
  return
}
func.func @batch64_shared(%x: memref<64x4096xf16>, %i: memref<1x1376x1536xi32>,
                          %c: memref<1x32768xf16>, %y: memref<64x11008xf16>) {
  vptq.matmul #vptq.vq<in_features = 4096, out_features = 11008, vector_len = 8,
                       num_centroids = 4096, packed = true>
      input(%x : memref<64x4096xf16>) indices(%i : memref<1x1376x1536xi32>)
      centroids(%c : memref<1x32768xf16>) outs(%y : memref<64x11008xf16>)
  return
}
func.func @batch32_split(%x: memref<32x4096xf16>, %i: memref<1x1376x2048xi32>,
                         %c: memref<1x2048xf16>, %rc: memref<1x2048xf16>,
                         %y: memref<32x11008xf16>) {
  vptq.matmul #vptq.vq<in_features = 4096, out_features = 11008, vector_len = 8,
                       num_centroids = 256, num_res_centroids = 256, packed = true>
      input(%x : memref<32x4096xf16>) indices(%i : memref<1x1376x2048xi32>)
      centroids(%c : memref<1x2048xf16>) res_centroids(%rc : memref<1x2048xf16>)
      outs(%y : memref<32x11008xf16>)
  return
}
func.func @batch64_split_4096(%x: memref<64x4096xf16>, %i: memref<1x512x2048xi32>,
                             %c: memref<1x2048xf16>, %rc: memref<1x2048xf16>,
                             %y: memref<64x4096xf16>) {
  vptq.matmul #vptq.vq<in_features = 4096, out_features = 4096, vector_len = 8,
                       num_centroids = 256, num_res_centroids = 256, packed = true>
      input(%x : memref<64x4096xf16>) indices(%i : memref<1x512x2048xi32>)
      centroids(%c : memref<1x2048xf16>) res_centroids(%rc : memref<1x2048xf16>)
      outs(%y : memref<64x4096xf16>)
  return
}
func.func @batch64_split_long(%x: memref<64x5120xf16>, %i: memref<1x1728x2560xi32>,
                              %c: memref<1x2048xf16>, %rc: memref<1x2048xf16>,
                              %y: memref<64x13824xf16>) {
  vptq.matmul #vptq.vq<in_features = 5120, out_features = 13824, vector_len = 8,
                       num_centroids = 256, num_res_centroids = 256, packed = true>
      input(%x : memref<64x5120xf16>) indices(%i : memref<1x1728x2560xi32>)
      centroids(%c : memref<1x2048xf16>) res_centroids(%rc : memref<1x2048xf16>)
      outs(%y : memref<64x13824xf16>)
  return
}
func.func @batch64_v12(%x: memref<64x4096xf16>, %i: memref<1x918x3072xi32>,
                       %c: memref<1x49152xf16>, %rc: memref<1x49152xf16>,
                       %y: memref<64x11008xf16>) {
  vptq.matmul #vptq.vq<in_features = 4096, out_features = 11008, vector_len = 12,
                       num_centroids = 4096, num_res_centroids = 4096, packed = true>
      input(%x : memref<64x4096xf16>) indices(%i : memref<1x918x3072xi32>)
      centroids(%c : memref<1x49152xf16>) res_centroids(%rc : memref<1x49152xf16>)
      outs(%y : memref<64x11008xf16>)
  return
}
func.func @batch64_v12_4096(%x: memref<64x4096xf16>, %i: memref<1x342x3072xi32>,
                            %c: memref<1x49152xf16>, %rc: memref<1x49152xf16>,
                            %y: memref<64x4096xf16>) {
  vptq.matmul #vptq.vq<in_features = 4096, out_features = 4096, vector_len = 12,
                       num_centroids = 4096, num_res_centroids = 4096, packed = true>
      input(%x : memref<64x4096xf16>) indices(%i : memref<1x342x3072xi32>)
      centroids(%c : memref<1x49152xf16>) res_centroids(%rc : memref<1x49152xf16>)
      outs(%y : memref<64x4096xf16>)
  return
}

// -----

// Tensor-core tiles need whole 16-row mma tiles: 8 index rows of 12 (six
// tiles: 2 warps along the rows with three each, so 32 batch rows keep 48
// accumulators per thread; 115 blocks) and 16-column chunks. f32
// activations stay off tensor cores.
// SM90-LABEL: func.func @batch16_v12
// SM90: {tiling = #vptq.tiling<block_rows = 8, warps_per_row = 8, batch_tile = 32, k_chunk = 16, mma = true>}
// SM90-LABEL: func.func @batch16_f32
// SM90: {tiling = #vptq.tiling<block_rows = 8, warps_per_row = 1, batch_tile = 4, k_chunk = 256>}
// Layers with a column permutation do (their activations are gathered one
// by one into the staged tile).
// SM90-LABEL: func.func @batch16_perm
// SM90: {tiling = #vptq.tiling<block_rows = 8, warps_per_row = 8, batch_tile = 64, k_chunk = 64, mma = true>}
func.func @batch16_v12(%x: memref<16x4096xbf16>, %i: memref<1x918x4096xi16>,
                       %c: memref<1x49152xbf16>, %y: memref<16x11008xbf16>) {
  vptq.matmul #vptq.vq<in_features = 4096, out_features = 11008, vector_len = 12,
                       num_centroids = 4096>
      input(%x : memref<16x4096xbf16>) indices(%i : memref<1x918x4096xi16>)
      centroids(%c : memref<1x49152xbf16>) outs(%y : memref<16x11008xbf16>)
  return
}
func.func @batch16_f32(%x: memref<16x4096xf32>, %i: memref<1x1376x2048xi32>,
                       %c: memref<1x524288xf16>, %y: memref<16x11008xf32>) {
  vptq.matmul #vptq.vq<in_features = 4096, out_features = 11008, vector_len = 8,
                       num_centroids = 65536, packed = true>
      input(%x : memref<16x4096xf32>) indices(%i : memref<1x1376x2048xi32>)
      centroids(%c : memref<1x524288xf16>) outs(%y : memref<16x11008xf32>)
  return
}

func.func @batch16_perm(%x: memref<16x4096xf16>, %i: memref<1x1376x2048xi32>,
                        %c: memref<1x524288xf16>, %p: memref<4096xi16>,
                        %y: memref<16x11008xf16>) {
  vptq.matmul #vptq.vq<in_features = 4096, out_features = 11008, vector_len = 8,
                       num_centroids = 65536, packed = true, enable_perm = true>
      input(%x : memref<16x4096xf16>) indices(%i : memref<1x1376x2048xi32>)
      centroids(%c : memref<1x524288xf16>) perm(%p : memref<4096xi16>)
      outs(%y : memref<16x11008xf16>)
  return
}
// Nor do odd vector lengths (tensor-core lanes read pairs of a vector).
// SM90-LABEL: func.func @batch16_v5
// SM90-NOT: mma = true
// SM90: return
func.func @batch16_v5(%x: memref<16x4096xf16>, %i: memref<1x2048x4096xi16>,
                      %c: memref<1x20480xf16>, %y: memref<16x10240xf16>) {
  vptq.matmul #vptq.vq<in_features = 4096, out_features = 10240, vector_len = 5,
                       num_centroids = 4096>
      input(%x : memref<16x4096xf16>) indices(%i : memref<1x2048x4096xi16>)
      centroids(%c : memref<1x20480xf16>) outs(%y : memref<16x10240xf16>)
  return
}

// -----

// An existing tiling (e.g. from the autotuner) is kept unless `override`.
// SM90-LABEL: func.func @preset
// SM90: {tiling = #vptq.tiling<block_rows = 4, warps_per_row = 2, batch_tile = 2, k_chunk = 128>}
// OVERRIDE-LABEL: func.func @preset
// OVERRIDE: {tiling = #vptq.tiling<block_rows = 1, warps_per_row = 1, batch_tile = 1, k_chunk = 128>}
func.func @preset(%x: memref<?x64xf16>, %i: memref<1x2x64xi16>,
                  %c: memref<1x1024xf16>, %y: memref<?x8xf16>) {
  vptq.matmul #vptq.vq<in_features = 64, out_features = 8, vector_len = 4,
                       num_centroids = 256>
      input(%x : memref<?x64xf16>) indices(%i : memref<1x2x64xi16>)
      centroids(%c : memref<1x1024xf16>) outs(%y : memref<?x8xf16>)
      {tiling = #vptq.tiling<block_rows = 4, warps_per_row = 2, batch_tile = 2,
                             k_chunk = 128>}
  return
}

// -----

// Dense layers: one warp per output row, 8 rows per block on a GPU.
// SM90-LABEL: func.func @dense
// SM90: vptq.linear {{.*}} {tiling = #vptq.tiling<block_rows = 8, warps_per_row = 1, batch_tile = 1, k_chunk = 32>}
// CPU-LABEL: func.func @dense
// CPU: vptq.linear {{.*}} {tiling = #vptq.tiling<block_rows = 32, warps_per_row = 1, batch_tile = 1, k_chunk = 32>}
func.func @dense(%x: memref<?x4096xf16>, %w: memref<32000x4096xf16>,
                 %y: memref<?x32000xf16>) {
  vptq.linear input(%x : memref<?x4096xf16>) weight(%w : memref<32000x4096xf16>)
      outs(%y : memref<?x32000xf16>)
  return
}

// -----

// From 128 rows (kSharedWeightsMinBatch) tensor cores multiply weights
// dequantized once per block into shared memory: 64 rows per block (8
// index rows of 8), 8 warps, batch tiles of 128, chunks of 64; split
// (residual) weights take chunks of 32, and odd vector lengths work (16
// index rows of 5 = five 16-row tiles). f32 activations stay off tensor
// cores; so does mma=0. On sm_90a, where warpgroups multiply, 128-row
// blocks of 8 warps with the largest batch tile that keeps half the
// processors busy: 256 on 11008 rows (86 blocks), 64 on 4096 (128
// blocks); V = 5 makes no whole 64-row tiles and keeps the rule above.
// SM90-LABEL: func.func @batch256
// SM90: {tiling = #vptq.tiling<block_rows = 16, warps_per_row = 8, batch_tile = 256, k_chunk = 32, mma = true, shared_weights = true>}
// SM80-LABEL: func.func @batch256
// SM80: {tiling = #vptq.tiling<block_rows = 8, warps_per_row = 8, batch_tile = 128, k_chunk = 64, mma = true, shared_weights = true>}
// Register warpgroups (register_wgmma) where they measured faster on the
// H100: more than 8192 rows, a codebook in shared memory (4096 x 8) and no
// split weights: two warpgroups of two 64-row tiles (32 index rows), batch
// tiles of 128, chunks of 64. 8192 rows keep the shared-weight rule, as do
// sm_80 (no wgmma) and 11008 rows with a global (65536-entry) codebook
// (@batch256 above).
// SM90-LABEL: func.func @batch256_rows11008_shared
// SM90: {tiling = #vptq.tiling<block_rows = 32, warps_per_row = 8, batch_tile = 128, k_chunk = 64, mma = true, register_wgmma = true>}
// SM80-LABEL: func.func @batch256_rows11008_shared
// SM80: {tiling = #vptq.tiling<block_rows = 8, warps_per_row = 8, batch_tile = 128, k_chunk = 64, mma = true, shared_weights = true>}
// SM90-LABEL: func.func @batch256_rows8192_shared
// SM90: {tiling = #vptq.tiling<block_rows = 16, warps_per_row = 8, batch_tile = 128, k_chunk = 32, mma = true, shared_weights = true>}
// SM90-LABEL: func.func @batch256_rows4096
// SM90: {tiling = #vptq.tiling<block_rows = 16, warps_per_row = 8, batch_tile = 64, k_chunk = 64, mma = true, shared_weights = true>}
// A permutation (the 7B perm + norm layers): a warpgroup tiling must also
// give half the processors a block at batch 128, the smallest batch the
// long-prompt kernel serves. 4096 rows in 128-row blocks make 64 blocks
// there, so the mma.sync tiling (split weights with the norm: chunks of
// 32); 11008 rows keep their 86 blocks of 256 batch rows.
// SM90-LABEL: func.func @batch256_rows4096_perm
// SM90: {tiling = #vptq.tiling<block_rows = 8, warps_per_row = 8, batch_tile = 128, k_chunk = 32, mma = true, shared_weights = true>}
// SM90-LABEL: func.func @batch256_rows11008_perm
// SM90: {tiling = #vptq.tiling<block_rows = 16, warps_per_row = 8, batch_tile = 256, k_chunk = 32, mma = true, shared_weights = true>}
// SM90-LABEL: func.func @batch256_v5_res
// SM90: {tiling = #vptq.tiling<block_rows = 16, warps_per_row = 8, batch_tile = 128, k_chunk = 32, mma = true, shared_weights = true>}
// SM90-LABEL: func.func @batch128_f32
// SM90: {tiling = #vptq.tiling<block_rows = 8, warps_per_row = 1, batch_tile = 4, k_chunk = 256>}
// NOMMA-LABEL: func.func @batch256
// NOMMA-NOT: mma = true
// NOMMA: return
func.func @batch256(%x: memref<256x4096xf16>, %i: memref<1x1376x2048xi32>,
                    %c: memref<1x524288xf16>, %y: memref<256x11008xf16>) {
  vptq.matmul #vptq.vq<in_features = 4096, out_features = 11008, vector_len = 8,
                       num_centroids = 65536, packed = true>
      input(%x : memref<256x4096xf16>) indices(%i : memref<1x1376x2048xi32>)
      centroids(%c : memref<1x524288xf16>) outs(%y : memref<256x11008xf16>)
  return
}
func.func @batch256_rows11008_shared(%x: memref<256x4096xf16>, %i: memref<1x1376x1536xi32>,
                                    %c: memref<1x32768xf16>, %y: memref<256x11008xf16>) {
  vptq.matmul #vptq.vq<in_features = 4096, out_features = 11008, vector_len = 8,
                       num_centroids = 4096, packed = true>
      input(%x : memref<256x4096xf16>) indices(%i : memref<1x1376x1536xi32>)
      centroids(%c : memref<1x32768xf16>) outs(%y : memref<256x11008xf16>)
  return
}
func.func @batch256_rows8192_shared(%x: memref<256x8192xf16>, %i: memref<1x1024x3072xi32>,
                                   %c: memref<1x32768xf16>, %y: memref<256x8192xf16>) {
  vptq.matmul #vptq.vq<in_features = 8192, out_features = 8192, vector_len = 8,
                       num_centroids = 4096, packed = true>
      input(%x : memref<256x8192xf16>) indices(%i : memref<1x1024x3072xi32>)
      centroids(%c : memref<1x32768xf16>) outs(%y : memref<256x8192xf16>)
  return
}
func.func @batch256_rows4096(%x: memref<256x4096xf16>, %i: memref<1x512x2048xi32>,
                            %c: memref<1x524288xf16>, %y: memref<256x4096xf16>) {
  vptq.matmul #vptq.vq<in_features = 4096, out_features = 4096, vector_len = 8,
                       num_centroids = 65536, packed = true>
      input(%x : memref<256x4096xf16>) indices(%i : memref<1x512x2048xi32>)
      centroids(%c : memref<1x524288xf16>) outs(%y : memref<256x4096xf16>)
  return
}
func.func @batch256_rows4096_perm(%x: memref<256x4096xf16>, %i: memref<1x512x2048xi32>,
                                 %c: memref<1x524288xf16>, %p: memref<4096xi16>,
                                 %s: memref<4096xf16>, %sb: memref<4096xf16>,
                                 %y: memref<256x4096xf16>) {
  vptq.matmul #vptq.vq<in_features = 4096, out_features = 4096, vector_len = 8,
                       num_centroids = 65536, packed = true, enable_perm = true,
                       enable_norm = true>
      input(%x : memref<256x4096xf16>) indices(%i : memref<1x512x2048xi32>)
      centroids(%c : memref<1x524288xf16>) perm(%p : memref<4096xi16>)
      weight_scale(%s : memref<4096xf16>) weight_bias(%sb : memref<4096xf16>)
      outs(%y : memref<256x4096xf16>)
  return
}
func.func @batch256_rows11008_perm(%x: memref<256x4096xf16>, %i: memref<1x1376x2048xi32>,
                                  %c: memref<1x524288xf16>, %p: memref<4096xi16>,
                                  %s: memref<4096xf16>, %sb: memref<4096xf16>,
                                  %y: memref<256x11008xf16>) {
  vptq.matmul #vptq.vq<in_features = 4096, out_features = 11008, vector_len = 8,
                       num_centroids = 65536, packed = true, enable_perm = true,
                       enable_norm = true>
      input(%x : memref<256x4096xf16>) indices(%i : memref<1x1376x2048xi32>)
      centroids(%c : memref<1x524288xf16>) perm(%p : memref<4096xi16>)
      weight_scale(%s : memref<4096xf16>) weight_bias(%sb : memref<4096xf16>)
      outs(%y : memref<256x11008xf16>)
  return
}
func.func @batch256_v5_res(%x: memref<256x4096xf16>, %i: memref<1x2048x4096xi16>,
                       %r: memref<1x2048x4096xi16>,
                       %c: memref<1x20480xf16>, %rc: memref<1x1280xf16>, %y: memref<256x10240xf16>) {
  vptq.matmul #vptq.vq<in_features = 4096, out_features = 10240, vector_len = 5,
                       num_centroids = 4096, num_res_centroids = 256>
      input(%x : memref<256x4096xf16>) indices(%i : memref<1x2048x4096xi16>)
      res_indices(%r : memref<1x2048x4096xi16>)
      centroids(%c : memref<1x20480xf16>) res_centroids(%rc : memref<1x1280xf16>) outs(%y : memref<256x10240xf16>)
  return
}
func.func @batch128_f32(%x: memref<128x4096xf32>, %i: memref<1x1376x2048xi32>,
                    %c: memref<1x524288xf16>, %y: memref<128x11008xf32>) {
  vptq.matmul #vptq.vq<in_features = 4096, out_features = 11008, vector_len = 8,
                       num_centroids = 65536, packed = true>
      input(%x : memref<128x4096xf32>) indices(%i : memref<1x1376x2048xi32>)
      centroids(%c : memref<1x524288xf16>) outs(%y : memref<128x11008xf32>)
  return
}
