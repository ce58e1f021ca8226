func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %x: tensor<2x3x16xf16>, %y: tensor<?x8xf16>) {
  // expected-error @+1 {{'input' must have rank 2 (batch x in_features), got rank 3}}
  %0 = vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16> input(%x : tensor<2x3x16xf16>) indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>) outs(%y : tensor<?x8xf16>) -> tensor<?x8xf16>
  return
}
