func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %w: tensor<8x16xf16>, %r: tensor<1x2x16xi16>) {
  // expected-error @+1 {{'res_centroids' is required by num_res_centroids = 4}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, num_res_centroids = 4> indices(%i : tensor<1x2x16xi16>) res_indices(%r : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>) outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return
}
