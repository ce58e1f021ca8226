func.func @f(%i: tensor<1x2x12xi16>, %c: tensor<1x64xf16>, %w: tensor<8x16xf16>, %oc: tensor<1x16xf16>) {
  // expected-error @+1 {{'outlier_indices' is required by outlier_size = 4}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, outlier_size = 4, outlier_vector_len = 2, num_outlier_centroids = 8> indices(%i : tensor<1x2x12xi16>) centroids(%c : tensor<1x64xf16>) outlier_centroids(%oc : tensor<1x16xf16>) outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return
}
