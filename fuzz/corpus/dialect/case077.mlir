func.func @f(%p: tensor<1x2x2xi32>, %i: tensor<1x2x16xi16>, %r: tensor<1x2x16xi16>) {
  // expected-error @+1 {{'residual outs' must be absent: the configuration has num_res_centroids = 0}}
  %0:2 = vptq.unpack_indices #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, packed = true> %p : tensor<1x2x2xi32> outs(%i, %r : tensor<1x2x16xi16>, tensor<1x2x16xi16>) -> tensor<1x2x16xi16>, tensor<1x2x16xi16>
  return
}
