// RUN: vptq-opt %s -convert-vptq-to-gpu -split-input-file -verify-diagnostics
// RUN: not vptq-opt %s -convert-vptq-to-gpu=chip=host 2>&1 | FileCheck %s --check-prefix=HOST

// HOST: error: convert-vptq-to-gpu: chip must be a GPU, got 'host'

func.func @tensors(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>,
                   %w: tensor<8x16xf16>) -> tensor<8x16xf16> {
  // expected-error @+1 {{cannot be lowered to a GPU kernel: operands must be memrefs with identity layout (bufferize first)}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
                             num_centroids = 16>
      indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>)
      outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return %0 : tensor<8x16xf16>
}

// -----

// A multicast codebook is copied once per block: not with two codebook
// groups (the kernel copies each group in turn).
func.func @multicast_groups(%x: memref<?x512xf16>, %i: memref<2x64x96xi32>,
                            %c: memref<2x32768xf16>, %y: memref<?x512xf16>) {
  // expected-error @+1 {{cannot multicast its codebooks: multicast needs one codebook group (the kernel copies codebooks once), got 2}}
  vptq.matmul #vptq.vq<in_features = 512, out_features = 512, vector_len = 8,
                       num_centroids = 4096, num_codebooks = 2, packed = true>
      input(%x : memref<?x512xf16>) indices(%i : memref<2x64x96xi32>)
      centroids(%c : memref<2x32768xf16>) outs(%y : memref<?x512xf16>)
      {tiling = #vptq.tiling<block_rows = 4, warps_per_row = 4, batch_tile = 1,
                             k_chunk = 256>,
       placement = #vptq.placement<centroids = multicast, res_centroids = global>}
  return
}

// -----

// Each block of a cluster of 2 copies a 16-byte aligned half: a 48-byte
// codebook does not split so.
func.func @multicast_share(%x: memref<?x64xf16>, %i: memref<1x2x64xi16>,
                           %c: memref<1x24xf16>, %y: memref<?x12xf16>) {
  // expected-error @+1 {{cannot multicast its codebooks: multicast needs codebooks of a multiple of 32 bytes (16-byte shares for 2 blocks), got 4 x 6 elements of 2 bytes}}
  vptq.matmul #vptq.vq<in_features = 64, out_features = 12, vector_len = 6,
                       num_centroids = 4>
      input(%x : memref<?x64xf16>) indices(%i : memref<1x2x64xi16>)
      centroids(%c : memref<1x24xf16>) outs(%y : memref<?x12xf16>)
      {tiling = #vptq.tiling<block_rows = 1, warps_per_row = 1, batch_tile = 1,
                             k_chunk = 64>,
       placement = #vptq.placement<centroids = multicast, res_centroids = global>}
  return
}
