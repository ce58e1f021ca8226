func.func @f(%x: memref<?x64xf16>, %i: memref<1x2x64xi16>,
             %c: memref<1x1024xf16>, %y: memref<?x8xf16>) {
  // expected-error @+5 {{#vptq.tiling: shared_weights needs mma = true}}
  vptq.matmul #vptq.vq<in_features = 64, out_features = 8, vector_len = 4,
                       num_centroids = 256>
      input(%x : memref<?x64xf16>) indices(%i : memref<1x2x64xi16>)
      centroids(%c : memref<1x1024xf16>) outs(%y : memref<?x8xf16>)
      {tiling = #vptq.tiling<block_rows = 4, warps_per_row = 1, batch_tile = 1,
                             k_chunk = 32, shared_weights = true>}
  return
}
