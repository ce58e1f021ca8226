func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %x: tensor<?x16xf16>, %y: tensor<?x8xf16>, %e: tensor<?xi32>, %o: tensor<2x3xi32>) {
  // expected-error @+1 {{'shard_entries' and 'shard_offsets' come together, got only 'shard_offsets'}}
  %0 = vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16> input(%x : tensor<?x16xf16>) indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>) shard_offsets(%o : tensor<2x3xi32>) outs(%y : tensor<?x8xf16>) -> tensor<?x8xf16>
  return
}
