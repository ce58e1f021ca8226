func.func @f(%p: tensor<1x2x3xi32>, %i: tensor<1x2x16xi16>) {
  // expected-error @+1 {{'residual outs' is required by num_res_centroids = 4}}
  %0 = vptq.unpack_indices #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, num_res_centroids = 4, packed = true> %p : tensor<1x2x3xi32> outs(%i : tensor<1x2x16xi16>) -> tensor<1x2x16xi16>
  return
}
