func.func @f(%x: memref<?x16xf16>, %idx: memref<1x2x16xi16>, %cb: memref<1x64xf16>, %y: memref<?x8xf16>) {
  // expected-error @+1 {{a gated input needs a SIMT kernel: its tiling has mma = true}}
  vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16>
      input(%x : memref<?x16xf16>) gate(%x : memref<?x16xf16>) indices(%idx : memref<1x2x16xi16>)
      centroids(%cb : memref<1x64xf16>) outs(%y : memref<?x8xf16>)
      {tiling = #vptq.tiling<block_rows = 1, warps_per_row = 4, batch_tile = 16, k_chunk = 16, mma = true>}
  return
}
