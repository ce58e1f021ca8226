// RUN: vptq-opt %s -convert-vptq-to-gpu -split-input-file -verify-diagnostics
// RUN: not vptq-opt %s -convert-vptq-to-gpu=chip=gfx942 -split-input-file 2>&1 | FileCheck %s --check-prefix=AMD
// RUN: not vptq-opt %s -convert-vptq-to-gpu=chip=sm_75 -split-input-file 2>&1 | FileCheck %s --check-prefix=TURING

// Tensor-core tilings are checked against the target, the element types,
// the vector length and the placement when the kernel is generated.

// AMD: error: 'vptq.matmul' op tiling with mma = true needs tensor cores: an NVIDIA sm_80 or newer chip (got gfx942)
// TURING: error: 'vptq.matmul' op tiling with mma = true needs tensor cores: an NVIDIA sm_80 or newer chip (got sm_75)
func.func @f(%x: memref<?x64xf16>, %i: memref<1x4x64xi16>,
             %c: memref<1x1024xf16>, %y: memref<?x16xf16>) {
  vptq.matmul #vptq.vq<in_features = 64, out_features = 16, vector_len = 4,
                       num_centroids = 256>
      input(%x : memref<?x64xf16>) indices(%i : memref<1x4x64xi16>)
      centroids(%c : memref<1x1024xf16>) outs(%y : memref<?x16xf16>)
      {tiling = #vptq.tiling<block_rows = 4, warps_per_row = 2, batch_tile = 16,
                             k_chunk = 32, mma = true>}
  return
}

// -----

func.func @f(%x: memref<?x64xf32>, %i: memref<1x4x64xi16>,
             %c: memref<1x1024xf16>, %y: memref<?x16xf32>) {
  // expected-error @+1 {{tiling with mma = true needs tensor cores: an NVIDIA sm_80 or newer chip (got sm_90a) and f16 or bf16 activations of the codebooks' type (got 'f32' and 'f16')}}
  vptq.matmul #vptq.vq<in_features = 64, out_features = 16, vector_len = 4,
                       num_centroids = 256>
      input(%x : memref<?x64xf32>) indices(%i : memref<1x4x64xi16>)
      centroids(%c : memref<1x1024xf16>) outs(%y : memref<?x16xf32>)
      {tiling = #vptq.tiling<block_rows = 4, warps_per_row = 2, batch_tile = 16,
                             k_chunk = 32, mma = true>}
  return
}

// -----

func.func @f(%x: memref<?x64xf16>, %i: memref<1x4x64xi16>,
             %c: memref<1x1024xf16>, %y: memref<?x16xf16>) {
  // expected-error @+1 {{tiling with mma = true: block_rows x vector_len = 2 x 4 must be a multiple of 16}}
  vptq.matmul #vptq.vq<in_features = 64, out_features = 16, vector_len = 4,
                       num_centroids = 256>
      input(%x : memref<?x64xf16>) indices(%i : memref<1x4x64xi16>)
      centroids(%c : memref<1x1024xf16>) outs(%y : memref<?x16xf16>)
      {tiling = #vptq.tiling<block_rows = 2, warps_per_row = 2, batch_tile = 16,
                             k_chunk = 32, mma = true>}
  return
}

// -----

func.func @f(%x: memref<?x64xf16>, %i: memref<1x16x64xi16>,
             %c: memref<1x1280xf16>, %y: memref<?x80xf16>) {
  // expected-error @+1 {{tiling with mma = true needs an even vector_len (lanes read two adjacent elements of a vector), got 5}}
  vptq.matmul #vptq.vq<in_features = 64, out_features = 80, vector_len = 5,
                       num_centroids = 256>
      input(%x : memref<?x64xf16>) indices(%i : memref<1x16x64xi16>)
      centroids(%c : memref<1x1280xf16>) outs(%y : memref<?x80xf16>)
      {tiling = #vptq.tiling<block_rows = 16, warps_per_row = 2, batch_tile = 16,
                             k_chunk = 32, mma = true>}
  return
}

// -----

func.func @f(%x: memref<?x64xf16>, %i: memref<1x4x64xi16>,
             %c: memref<1x64xf16>, %y: memref<?x16xf16>) {
  // expected-error @+1 {{tiling with mma = true reads codebooks from shared or global memory, not registers}}
  vptq.matmul #vptq.vq<in_features = 64, out_features = 16, vector_len = 4,
                       num_centroids = 16>
      input(%x : memref<?x64xf16>) indices(%i : memref<1x4x64xi16>)
      centroids(%c : memref<1x64xf16>) outs(%y : memref<?x16xf16>)
      {tiling = #vptq.tiling<block_rows = 4, warps_per_row = 2, batch_tile = 16,
                             k_chunk = 32, mma = true>,
       placement = #vptq.placement<centroids = registers, res_centroids = global>}
  return
}

// -----

func.func @f(%x: memref<?x64xf16>, %i: memref<1x2x64xi16>,
             %c: memref<1x2048xf16>, %y: memref<?x16xf16>) {
  // expected-error @+1 {{tiling with shared_weights: no split of the 8 warps divides both the 1 16-row tiles and the 2 8-row batch tiles}}
  vptq.matmul #vptq.vq<in_features = 64, out_features = 16, vector_len = 8,
                       num_centroids = 256>
      input(%x : memref<?x64xf16>) indices(%i : memref<1x2x64xi16>)
      centroids(%c : memref<1x2048xf16>) outs(%y : memref<?x16xf16>)
      {tiling = #vptq.tiling<block_rows = 2, warps_per_row = 8, batch_tile = 16,
                             k_chunk = 32, mma = true, shared_weights = true>}
  return
}

// -----

// Staged inputs synchronize each column group of several warps on a named
// barrier: 64 rows in 2-tile groups (batch tiles of 64) leave 32 warps as
// 2 row warps x 16 column groups, one more than barriers 1-15 hold.
func.func @f(%x: memref<?x1024xf16>, %i: memref<1x8x384xi32>,
             %c: memref<1x32768xf16>, %y: memref<?x64xf16>) {
  // expected-error @+1 {{tiling with staged_inputs: 16 column groups of 2 warps each, but named barriers hold at most 15 groups}}
  vptq.matmul #vptq.vq<in_features = 1024, out_features = 64, vector_len = 8,
                       num_centroids = 4096, packed = true>
      input(%x : memref<?x1024xf16>) indices(%i : memref<1x8x384xi32>)
      centroids(%c : memref<1x32768xf16>) outs(%y : memref<?x64xf16>)
      {tiling = #vptq.tiling<block_rows = 8, warps_per_row = 32, batch_tile = 64,
                             k_chunk = 32, mma = true, staged_inputs = true>}
  return
}

// -----

// Register warpgroups split the rows into 64-row tiles per warpgroup: 8
// index rows of 12 = 96 rows do not split.
func.func @f(%x: memref<?x1024xf16>, %i: memref<1x8x384xi32>,
             %c: memref<1x49152xf16>, %y: memref<?x96xf16>) {
  // expected-error @+1 {{tiling with register_wgmma: block_rows x vector_len = 8 x 12 must split into whole 64-row tiles for each of the 1 warpgroups, and vector_len must be even}}
  vptq.matmul #vptq.vq<in_features = 1024, out_features = 96, vector_len = 12,
                       num_centroids = 4096, packed = true>
      input(%x : memref<?x1024xf16>) indices(%i : memref<1x8x384xi32>)
      centroids(%c : memref<1x49152xf16>) outs(%y : memref<?x96xf16>)
      {tiling = #vptq.tiling<block_rows = 8, warps_per_row = 4, batch_tile = 64,
                             k_chunk = 32, mma = true, register_wgmma = true>}
  return
}

// -----

// Two 64-row tiles over a 256-row batch tile: 256 accumulators per thread.
func.func @f(%x: memref<?x1024xf16>, %i: memref<1x16x384xi32>,
             %c: memref<1x32768xf16>, %y: memref<?x128xf16>) {
  // expected-error @+1 {{tiling with register_wgmma keeps 256 f32 accumulators per thread, more than 128}}
  vptq.matmul #vptq.vq<in_features = 1024, out_features = 128, vector_len = 8,
                       num_centroids = 4096, packed = true>
      input(%x : memref<?x1024xf16>) indices(%i : memref<1x16x384xi32>)
      centroids(%c : memref<1x32768xf16>) outs(%y : memref<?x128xf16>)
      {tiling = #vptq.tiling<block_rows = 16, warps_per_row = 4, batch_tile = 256,
                             k_chunk = 32, mma = true, register_wgmma = true>}
  return
}
