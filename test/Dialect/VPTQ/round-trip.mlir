// RUN: vptq-opt %s | vptq-opt | FileCheck %s
// RUN: vptq-opt %s --mlir-print-op-generic | vptq-opt | FileCheck %s

// Every vptq op in tensor and memref form, with every optional operand, and
// the #vptq.vq attribute with default, derived and explicit keys. Derived
// keys (group_size, index_bits, res_index_bits) equal to their defaults are
// elided when printed.

// CHECK-LABEL: func.func @attr_minimal
// CHECK-SAME: #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16>
func.func @attr_minimal() attributes {
  cfg = #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
                 num_centroids = 16, group_size = 16, index_bits = 4,
                 num_codebooks = 1, packed = false>} {
  return
}

// CHECK-LABEL: func.func @attr_full
// CHECK-SAME: #vptq.vq<in_features = 20, out_features = 7, vector_len = 4, num_centroids = 16, num_res_centroids = 4, num_codebooks = 2, outlier_size = 4, outlier_vector_len = 2, num_outlier_centroids = 8, index_bits = 6, packed = true, enable_perm = true, enable_norm = true, bias = true>
func.func @attr_full() attributes {
  cfg = #vptq.vq<bias = true, enable_norm = true, enable_perm = true,
                 packed = true, index_bits = 6, num_outlier_centroids = 8,
                 outlier_vector_len = 2, outlier_size = 4, num_codebooks = 2,
                 num_res_centroids = 4, num_centroids = 16, vector_len = 4,
                 out_features = 7, in_features = 20>} {
  return
}

// CHECK-LABEL: func.func @attr_string_keys
// CHECK-SAME: #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, num_res_centroids = 4, res_index_bits = 3>
func.func @attr_string_keys() attributes {
  cfg = #vptq.vq<"in_features" = 16, "out_features" = 8, "vector_len" = 4,
                 "num_centroids" = 16, "num_res_centroids" = 4,
                 "res_index_bits" = 3>} {
  return
}

// CHECK-LABEL: func.func @unpack_tensor
// CHECK: %[[R:.+]]:2 = vptq.unpack_indices #vptq.vq<{{.*}}num_res_centroids = 4, packed = true> %{{[a-z0-9_]+}} : tensor<1x2x3xi32> outs(%{{[a-z0-9_]+}}, %{{[a-z0-9_]+}} : tensor<1x2x16xi32>, tensor<1x2x16xi8>) -> tensor<1x2x16xi32>, tensor<1x2x16xi8>
// CHECK: return %[[R]]#0, %[[R]]#1
func.func @unpack_tensor(%packed: tensor<1x2x3xi32>, %i: tensor<1x2x16xi32>,
                         %r: tensor<1x2x16xi8>)
    -> (tensor<1x2x16xi32>, tensor<1x2x16xi8>) {
  %idx, %res = vptq.unpack_indices
      #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
               num_centroids = 16, num_res_centroids = 4, packed = true>
      %packed : tensor<1x2x3xi32>
      outs(%i, %r : tensor<1x2x16xi32>, tensor<1x2x16xi8>)
      -> tensor<1x2x16xi32>, tensor<1x2x16xi8>
  return %idx, %res : tensor<1x2x16xi32>, tensor<1x2x16xi8>
}

// CHECK-LABEL: func.func @unpack_memref
// CHECK: vptq.unpack_indices #vptq.vq<{{.*}}packed = true> %{{[a-z0-9_]+}} : memref<1x2x2xi32> outs(%{{[a-z0-9_]+}} : memref<1x2x16xi16>)
// CHECK-NOT: ->
func.func @unpack_memref(%packed: memref<1x2x2xi32>, %i: memref<1x2x16xi16>) {
  vptq.unpack_indices
      #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
               num_centroids = 16, packed = true>
      %packed : memref<1x2x2xi32> outs(%i : memref<1x2x16xi16>)
  return
}

// CHECK-LABEL: func.func @dequant_minimal
// CHECK: vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16> indices(%{{[a-z0-9_]+}} : tensor<1x2x16xi16>) centroids(%{{[a-z0-9_]+}} : tensor<1x64xf16>) outs(%{{[a-z0-9_]+}} : tensor<8x16xf32>) -> tensor<8x16xf32>
func.func @dequant_minimal(%idx: tensor<1x2x16xi16>, %cb: tensor<1x64xf16>,
                           %init: tensor<8x16xf32>) -> tensor<8x16xf32> {
  %w = vptq.dequant
      #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
               num_centroids = 16>
      indices(%idx : tensor<1x2x16xi16>) centroids(%cb : tensor<1x64xf16>)
      outs(%init : tensor<8x16xf32>) -> tensor<8x16xf32>
  return %w : tensor<8x16xf32>
}

// Unpacked indices with every optional tensor: residual, outliers, perm and
// norm. out = 7 with V = 4 leaves one padding row; Vo = 2 another.
// CHECK-LABEL: func.func @dequant_everything
// CHECK: vptq.dequant
// CHECK-SAME: indices(%{{[a-z0-9_]+}} : tensor<2x2x8xi16>)
// CHECK-SAME: res_indices(%{{[a-z0-9_]+}} : tensor<2x2x8xi16>)
// CHECK-SAME: centroids(%{{[a-z0-9_]+}} : tensor<2x64xbf16>)
// CHECK-SAME: res_centroids(%{{[a-z0-9_]+}} : tensor<2x16xbf16>)
// CHECK-SAME: outlier_indices(%{{[a-z0-9_]+}} : tensor<1x4x4xi16>)
// CHECK-SAME: outlier_centroids(%{{[a-z0-9_]+}} : tensor<1x16xbf16>)
// CHECK-SAME: perm(%{{[a-z0-9_]+}} : tensor<20xi64>)
// CHECK-SAME: weight_scale(%{{[a-z0-9_]+}} : tensor<20xbf16>)
// CHECK-SAME: weight_bias(%{{[a-z0-9_]+}} : tensor<20xbf16>)
// CHECK-SAME: outs(%{{[a-z0-9_]+}} : tensor<7x20xbf16>) -> tensor<7x20xbf16>
func.func @dequant_everything(
    %idx: tensor<2x2x8xi16>, %ridx: tensor<2x2x8xi16>, %cb: tensor<2x64xbf16>,
    %rcb: tensor<2x16xbf16>, %oidx: tensor<1x4x4xi16>, %ocb: tensor<1x16xbf16>,
    %perm: tensor<20xi64>, %s: tensor<20xbf16>, %b: tensor<20xbf16>,
    %init: tensor<7x20xbf16>) -> tensor<7x20xbf16> {
  %w = vptq.dequant
      #vptq.vq<in_features = 20, out_features = 7, vector_len = 4,
               num_centroids = 16, num_res_centroids = 4, num_codebooks = 2,
               outlier_size = 4, outlier_vector_len = 2,
               num_outlier_centroids = 8, enable_perm = true,
               enable_norm = true>
      indices(%idx : tensor<2x2x8xi16>) res_indices(%ridx : tensor<2x2x8xi16>)
      centroids(%cb : tensor<2x64xbf16>) res_centroids(%rcb : tensor<2x16xbf16>)
      outlier_indices(%oidx : tensor<1x4x4xi16>)
      outlier_centroids(%ocb : tensor<1x16xbf16>)
      perm(%perm : tensor<20xi64>)
      weight_scale(%s : tensor<20xbf16>) weight_bias(%b : tensor<20xbf16>)
      outs(%init : tensor<7x20xbf16>) -> tensor<7x20xbf16>
  return %w : tensor<7x20xbf16>
}

// CHECK-LABEL: func.func @matmul_tensor
// CHECK: %[[Y:.+]] = vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, num_res_centroids = 4, packed = true, enable_perm = true, bias = true>
// CHECK-SAME: input(%{{[a-z0-9_]+}} : tensor<?x16xf16>)
// CHECK-SAME: indices(%{{[a-z0-9_]+}} : tensor<1x2x3xi32>)
// CHECK-SAME: centroids(%{{[a-z0-9_]+}} : tensor<1x64xf16>)
// CHECK-SAME: res_centroids(%{{[a-z0-9_]+}} : tensor<1x16xf16>)
// CHECK-SAME: perm(%{{[a-z0-9_]+}} : tensor<16xi16>)
// CHECK-SAME: bias(%{{[a-z0-9_]+}} : tensor<8xf16>)
// CHECK-SAME: outs(%{{[a-z0-9_]+}} : tensor<?x8xf16>) -> tensor<?x8xf16>
func.func @matmul_tensor(%x: tensor<?x16xf16>, %idx: tensor<1x2x3xi32>,
                         %cb: tensor<1x64xf16>, %rcb: tensor<1x16xf16>,
                         %perm: tensor<16xi16>, %bias: tensor<8xf16>,
                         %init: tensor<?x8xf16>) -> tensor<?x8xf16> {
  %y = vptq.matmul
      #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
               num_centroids = 16, num_res_centroids = 4, packed = true,
               enable_perm = true, bias = true>
      input(%x : tensor<?x16xf16>) indices(%idx : tensor<1x2x3xi32>)
      centroids(%cb : tensor<1x64xf16>) res_centroids(%rcb : tensor<1x16xf16>)
      perm(%perm : tensor<16xi16>) bias(%bias : tensor<8xf16>)
      outs(%init : tensor<?x8xf16>) -> tensor<?x8xf16>
  return %y : tensor<?x8xf16>
}

// f32 activations with f16 codebooks, on buffers.
// CHECK-LABEL: func.func @matmul_memref
// CHECK: vptq.matmul #vptq.vq<{{.*}}> input(%{{[a-z0-9_]+}} : memref<4x16xf32>) indices(%{{[a-z0-9_]+}} : memref<1x2x16xi16>) centroids(%{{[a-z0-9_]+}} : memref<1x64xf16>) outs(%{{[a-z0-9_]+}} : memref<4x8xf32>)
// CHECK-NOT: ->
func.func @matmul_memref(%x: memref<4x16xf32>, %idx: memref<1x2x16xi16>,
                         %cb: memref<1x64xf16>, %y: memref<4x8xf32>) {
  vptq.matmul
      #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
               num_centroids = 16>
      input(%x : memref<4x16xf32>) indices(%idx : memref<1x2x16xi16>)
      centroids(%cb : memref<1x64xf16>) outs(%y : memref<4x8xf32>)
  return
}

// A gated input (silu(gate) * input), on tensors.
// CHECK-LABEL: func.func @matmul_gated
// CHECK: vptq.matmul #vptq.vq<{{.*}}> input(%[[X:[a-z0-9_]+]] : tensor<?x16xbf16>) gate(%[[G:[a-z0-9_]+]] : tensor<?x16xbf16>) indices(%{{[a-z0-9_]+}} : tensor<1x2x16xi16>) centroids(%{{[a-z0-9_]+}} : tensor<1x64xbf16>) outs(%{{[a-z0-9_]+}} : tensor<?x8xbf16>) -> tensor<?x8xbf16>
func.func @matmul_gated(%x: tensor<?x16xbf16>, %g: tensor<?x16xbf16>,
                        %idx: tensor<1x2x16xi16>, %cb: tensor<1x64xbf16>,
                        %init: tensor<?x8xbf16>) -> tensor<?x8xbf16> {
  %y = vptq.matmul
      #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
               num_centroids = 16>
      input(%x : tensor<?x16xbf16>) gate(%g : tensor<?x16xbf16>)
      indices(%idx : tensor<1x2x16xi16>) centroids(%cb : tensor<1x64xbf16>)
      outs(%init : tensor<?x8xbf16>) -> tensor<?x8xbf16>
  return %y : tensor<?x8xbf16>
}

// CHECK-LABEL: func.func @linear_tensor
// CHECK: vptq.linear input(%{{[a-z0-9_]+}} : tensor<?x64xf16>) weight(%{{[a-z0-9_]+}} : tensor<32x64xbf16>) bias(%{{[a-z0-9_]+}} : tensor<32xbf16>) outs(%{{[a-z0-9_]+}} : tensor<?x32xf32>) {tiling = #vptq.tiling<block_rows = 4, warps_per_row = 1, batch_tile = 2, k_chunk = 32>} -> tensor<?x32xf32>
func.func @linear_tensor(%x: tensor<?x64xf16>, %w: tensor<32x64xbf16>,
                         %b: tensor<32xbf16>,
                         %y: tensor<?x32xf32>) -> tensor<?x32xf32> {
  %0 = vptq.linear input(%x : tensor<?x64xf16>) weight(%w : tensor<32x64xbf16>)
      bias(%b : tensor<32xbf16>) outs(%y : tensor<?x32xf32>)
      {tiling = #vptq.tiling<block_rows = 4, warps_per_row = 1, batch_tile = 2,
                             k_chunk = 32>} -> tensor<?x32xf32>
  return %0 : tensor<?x32xf32>
}

// CHECK-LABEL: func.func @linear_memref
// CHECK: vptq.linear input(%{{[a-z0-9_]+}} : memref<3x64xf32>) weight(%{{[a-z0-9_]+}} : memref<32x64xf16>) outs(%{{[a-z0-9_]+}} : memref<3x32xf32>)
// CHECK-NOT: ->
func.func @linear_memref(%x: memref<3x64xf32>, %w: memref<32x64xf16>,
                         %y: memref<3x32xf32>) {
  vptq.linear input(%x : memref<3x64xf32>) weight(%w : memref<32x64xf16>)
      outs(%y : memref<3x32xf32>)
  return
}

// Transformer operations.

// CHECK-LABEL: func.func @decoder_ops
// CHECK: vptq.gather_rows %{{.*}}, %{{.*}}, %{{.*}} : memref<512x64xf32>, memref<?xi32>, memref<?x64xf16>
// CHECK: vptq.rms_norm %{{.*}}, %{{.*}}, %{{.*}} {epsilon = 1.000000e-05 : f64} : memref<?x64xf16>, memref<64xf16>, memref<?x64xf16>
// CHECK: vptq.add_rms_norm %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {epsilon = 1.000000e-05 : f64} : memref<?x64xf16>, memref<?x64xf16>, memref<64xf32>, memref<?x64xf16>
// CHECK: vptq.rotary %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {head_dim = 8 : i64} : memref<?x64xf16>, memref<?xi32>, memref<4xf32>, memref<?x64xf16>
// CHECK: vptq.scatter_rows %{{.*}}, %{{.*}}, %{{.*}} : memref<?x32xf16>, memref<?xi32>, memref<512x32xf16>
// CHECK: vptq.rotary_append %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {head_dim = 8 : i64} : memref<?x64xf16>, memref<?x32xf16>, memref<?x32xf16>, memref<?xi32>, memref<4xf32>, memref<512x32xf16>, memref<512x32xf16>
// CHECK: vptq.attention %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {head_dim = 8 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 0.35355339059327379 : f64} : memref<?x64xf16>, memref<512x32xf16>, memref<512x32xf16>, memref<?xi32>, memref<?x64xf16>
// CHECK: vptq.rotary_attention %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {head_dim = 8 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 0.35355339059327379 : f64} : memref<?x64xf16>, memref<?x32xf16>, memref<?x32xf16>, memref<?xi32>, memref<4xf32>, memref<512x32xf16>, memref<512x32xf16>, memref<?x64xf16>
// CHECK: vptq.silu_mul %{{.*}}, %{{.*}}, %{{.*}} : memref<?x172xf16>, memref<?x172xf16>, memref<?x172xf16>
// CHECK: vptq.add %{{.*}}, %{{.*}}, %{{.*}} : memref<?x64xf16>, memref<?x64xf16>, memref<?x64xf16>
func.func @decoder_ops(%table: memref<512x64xf32>, %tokens: memref<?xi32>,
                       %x: memref<?x64xf16>, %w: memref<64xf16>,
                       %inv: memref<4xf32>, %k: memref<?x32xf16>,
                       %kc: memref<512x32xf16>, %vc: memref<512x32xf16>,
                       %g: memref<?x172xf16>, %u: memref<?x172xf16>,
                       %h: memref<?x64xf16>, %w32: memref<64xf32>) {
  vptq.gather_rows %table, %tokens, %x : memref<512x64xf32>, memref<?xi32>, memref<?x64xf16>
  vptq.rms_norm %x, %w, %x {epsilon = 1.0e-05 : f64} : memref<?x64xf16>, memref<64xf16>, memref<?x64xf16>
  vptq.add_rms_norm %x, %h, %w32, %h {epsilon = 1.0e-05 : f64} : memref<?x64xf16>, memref<?x64xf16>, memref<64xf32>, memref<?x64xf16>
  vptq.rotary %x, %tokens, %inv, %x {head_dim = 8 : i64} : memref<?x64xf16>, memref<?xi32>, memref<4xf32>, memref<?x64xf16>
  vptq.scatter_rows %k, %tokens, %kc : memref<?x32xf16>, memref<?xi32>, memref<512x32xf16>
  vptq.rotary_append %x, %k, %k, %tokens, %inv, %kc, %vc {head_dim = 8 : i64} : memref<?x64xf16>, memref<?x32xf16>, memref<?x32xf16>, memref<?xi32>, memref<4xf32>, memref<512x32xf16>, memref<512x32xf16>
  vptq.attention %x, %kc, %vc, %tokens, %x {num_heads = 8 : i64, num_kv_heads = 4 : i64, head_dim = 8 : i64, scale = 0.35355339059327379 : f64} : memref<?x64xf16>, memref<512x32xf16>, memref<512x32xf16>, memref<?xi32>, memref<?x64xf16>
  vptq.rotary_attention %x, %k, %k, %tokens, %inv, %kc, %vc, %x {num_heads = 8 : i64, num_kv_heads = 4 : i64, head_dim = 8 : i64, scale = 0.35355339059327379 : f64} : memref<?x64xf16>, memref<?x32xf16>, memref<?x32xf16>, memref<?xi32>, memref<4xf32>, memref<512x32xf16>, memref<512x32xf16>, memref<?x64xf16>
  vptq.silu_mul %g, %u, %g : memref<?x172xf16>, memref<?x172xf16>, memref<?x172xf16>
  vptq.add %x, %x, %x : memref<?x64xf16>, memref<?x64xf16>, memref<?x64xf16>
  return
}

// CHECK-LABEL: func.func @quantizer_ops
// CHECK: vptq.nearest %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : memref<?x8xf32>, memref<?x8xf32>, memref<?xi32>, memref<?xf32>
// CHECK: vptq.gram %{{.*}}, %{{.*}} : memref<?x64xf32>, memref<64x64xf32>
func.func @quantizer_ops(%p: memref<?x8xf32>, %c: memref<?x8xf32>,
                         %i: memref<?xi32>, %d: memref<?xf32>,
                         %x: memref<?x64xf32>, %h: memref<64x64xf32>) {
  vptq.nearest %p, %c, %i, %d : memref<?x8xf32>, memref<?x8xf32>, memref<?xi32>, memref<?xf32>
  vptq.gram %x, %h : memref<?x64xf32>, memref<64x64xf32>
  return
}

// A tensor-core tiling prints `mma = true`; the default (false) is elided.
// CHECK-LABEL: func.func @mma_tiling
// CHECK: {tiling = #vptq.tiling<block_rows = 4, warps_per_row = 8, batch_tile = 32, k_chunk = 64, mma = true>}
// CHECK: {tiling = #vptq.tiling<block_rows = 4, warps_per_row = 1, batch_tile = 2, k_chunk = 32>}
func.func @mma_tiling(%x: memref<?x64xf16>, %i: memref<1x2x64xi16>,
                      %c: memref<1x1024xf16>, %y: memref<?x8xf16>) {
  vptq.matmul #vptq.vq<in_features = 64, out_features = 8, vector_len = 4,
                       num_centroids = 256>
      input(%x : memref<?x64xf16>) indices(%i : memref<1x2x64xi16>)
      centroids(%c : memref<1x1024xf16>) outs(%y : memref<?x8xf16>)
      {tiling = #vptq.tiling<block_rows = 4, warps_per_row = 8, batch_tile = 32,
                             k_chunk = 64, mma = true>}
  vptq.matmul #vptq.vq<in_features = 64, out_features = 8, vector_len = 4,
                       num_centroids = 256>
      input(%x : memref<?x64xf16>) indices(%i : memref<1x2x64xi16>)
      centroids(%c : memref<1x1024xf16>) outs(%y : memref<?x8xf16>)
      {tiling = #vptq.tiling<block_rows = 4, warps_per_row = 1, batch_tile = 2,
                             k_chunk = 32, mma = false>}
  return
}

// Persistent blocks print when set; 0 (one block per row tile) is elided.
// CHECK-LABEL: func.func @persistent_tiling
// CHECK: {tiling = #vptq.tiling<block_rows = 4, warps_per_row = 8, batch_tile = 1, k_chunk = 256, persistent_blocks = 264>}
// CHECK: {tiling = #vptq.tiling<block_rows = 4, warps_per_row = 1, batch_tile = 1, k_chunk = 32>}
func.func @persistent_tiling(%x: memref<?x64xf16>, %i: memref<1x2x64xi16>,
                             %c: memref<1x1024xf16>, %y: memref<?x8xf16>) {
  vptq.matmul #vptq.vq<in_features = 64, out_features = 8, vector_len = 4,
                       num_centroids = 256>
      input(%x : memref<?x64xf16>) indices(%i : memref<1x2x64xi16>)
      centroids(%c : memref<1x1024xf16>) outs(%y : memref<?x8xf16>)
      {tiling = #vptq.tiling<block_rows = 4, warps_per_row = 8, batch_tile = 1,
                             k_chunk = 256, persistent_blocks = 264>}
  vptq.matmul #vptq.vq<in_features = 64, out_features = 8, vector_len = 4,
                       num_centroids = 256>
      input(%x : memref<?x64xf16>) indices(%i : memref<1x2x64xi16>)
      centroids(%c : memref<1x1024xf16>) outs(%y : memref<?x8xf16>)
      {tiling = #vptq.tiling<block_rows = 4, warps_per_row = 1, batch_tile = 1,
                             k_chunk = 32, persistent_blocks = 0>}
  return
}

// Sharded indices for a codebook split over clusters of 8 blocks.
// CHECK-LABEL: func.func @sharded
// CHECK: vptq.matmul
// CHECK-SAME: shard_entries(%{{.*}} : memref<?xi32>) shard_offsets(%{{.*}} : memref<8x5xi32>)
// CHECK-SAME: placement = #vptq.placement<centroids = sharded, res_centroids = global>
func.func @sharded(%x: memref<?x128xf16>, %i: memref<1x4x40xi32>,
                   %c: memref<1x8192xf16>, %e: memref<?xi32>,
                   %o: memref<8x5xi32>, %y: memref<?x32xf16>) {
  vptq.matmul #vptq.vq<in_features = 128, out_features = 32, vector_len = 8,
                       num_centroids = 1024, packed = true>
      input(%x : memref<?x128xf16>) indices(%i : memref<1x4x40xi32>)
      centroids(%c : memref<1x8192xf16>)
      shard_entries(%e : memref<?xi32>) shard_offsets(%o : memref<8x5xi32>)
      outs(%y : memref<?x32xf16>)
      {placement = #vptq.placement<centroids = sharded, res_centroids = global>}
  return
}
