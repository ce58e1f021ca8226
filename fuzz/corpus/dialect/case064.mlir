func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %x: tensor<?x16xf16>, %y: tensor<?x9xf16>) {
  // expected-error @+1 {{'outs' must have shape [batch, out_features] = [?, 8], got [?, 9]}}
  %0 = vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16> input(%x : tensor<?x16xf16>) indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>) outs(%y : tensor<?x9xf16>) -> tensor<?x9xf16>
  return
}
