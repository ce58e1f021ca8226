func.func @f(%x: memref<?x64xf16>, %i: memref<1x2x64xi16>,
             %c: memref<1x1024xf16>, %y: memref<?x8xf16>) {
  // expected-error @+5 {{#vptq.tiling: register_wgmma needs whole warpgroups: warps_per_row = 6 is not a multiple of 4}}
  vptq.matmul #vptq.vq<in_features = 64, out_features = 8, vector_len = 4,
                       num_centroids = 256>
      input(%x : memref<?x64xf16>) indices(%i : memref<1x2x64xi16>)
      centroids(%c : memref<1x1024xf16>) outs(%y : memref<?x8xf16>)
      {tiling = #vptq.tiling<block_rows = 16, warps_per_row = 6, batch_tile = 8,
                             k_chunk = 32, mma = true, register_wgmma = true>}
  return
}
