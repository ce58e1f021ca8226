func.func @f(%x: memref<?x64xf16>, %i: memref<1x2x64xi16>,
             %c: memref<1x1024xf16>, %y: memref<?x8xf16>) {
  // expected-error @+5 {{#vptq.tiling: register_wgmma needs mma = true without shared_weights or staged_inputs}}
  vptq.matmul #vptq.vq<in_features = 64, out_features = 8, vector_len = 4,
                       num_centroids = 256>
      input(%x : memref<?x64xf16>) indices(%i : memref<1x2x64xi16>)
      centroids(%c : memref<1x1024xf16>) outs(%y : memref<?x8xf16>)
      {tiling = #vptq.tiling<block_rows = 16, warps_per_row = 4, batch_tile = 8,
                             k_chunk = 32, mma = true, shared_weights = true,
                             register_wgmma = true>}
  return
}
