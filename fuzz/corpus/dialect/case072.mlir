func.func @f(%p: tensor<1x2x2xi32>, %i: tensor<1x2x16xi16>) {
  // expected-error @+1 {{'vptq.unpack_indices' op requires a configuration with packed = true}}
  %0 = vptq.unpack_indices #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16> %p : tensor<1x2x2xi32> outs(%i : tensor<1x2x16xi16>) -> tensor<1x2x16xi16>
  return
}
