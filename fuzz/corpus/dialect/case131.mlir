func.func @f(%i: tensor<1x2x16xi16>, %r: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %rc: tensor<1x16xf16>, %x: tensor<?x16xf16>, %y: tensor<?x8xf16>, %e: tensor<?xi32>, %o: tensor<2x3xi32>) {
  // expected-error @+1 {{sharded indices need one codebook group and no residual codebook, got num_codebooks = 1 and num_res_centroids = 4}}
  %0 = vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, num_res_centroids = 4> input(%x : tensor<?x16xf16>) indices(%i : tensor<1x2x16xi16>) res_indices(%r : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>) res_centroids(%rc : tensor<1x16xf16>) shard_entries(%e : tensor<?xi32>) shard_offsets(%o : tensor<2x3xi32>) outs(%y : tensor<?x8xf16>) -> tensor<?x8xf16>
  return
}
