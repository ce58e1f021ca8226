func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xbf16>, %x: tensor<?x16xf16>, %y: tensor<?x8xf16>) {
  // expected-error @+1 {{'vptq.matmul' op 'perm' is required by enable_perm = true}}
  %0 = vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, enable_perm = true> input(%x : tensor<?x16xf16>) indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xbf16>) outs(%y : tensor<?x8xf16>) -> tensor<?x8xf16>
  return
}
