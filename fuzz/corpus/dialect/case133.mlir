func.func @f(%i: tensor<1x2x65536xi16>, %c: tensor<1x64xf16>, %x: tensor<?x65536xf16>, %y: tensor<?x8xf16>, %e: tensor<?xi32>, %o: tensor<2x3xi32>) {
  // expected-error @+1 {{sharded index entries hold 16-bit columns and shard indices: in_features must be below 65536 and num_centroids / shards at most 65536}}
  %0 = vptq.matmul #vptq.vq<in_features = 65536, out_features = 8, vector_len = 4, num_centroids = 16> input(%x : tensor<?x65536xf16>) indices(%i : tensor<1x2x65536xi16>) centroids(%c : tensor<1x64xf16>) shard_entries(%e : tensor<?xi32>) shard_offsets(%o : tensor<2x3xi32>) outs(%y : tensor<?x8xf16>) -> tensor<?x8xf16>
  return
}
