func.func @f(%i: tensor<1x3x16xi16>, %c: tensor<1x64xf16>, %w: tensor<8x16xf16>) {
  // expected-error @+1 {{'indices' must have shape [num_codebooks, index_rows, group_size] = [1, 2, 16], got [1, 3, 16]}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16> indices(%i : tensor<1x3x16xi16>) centroids(%c : tensor<1x64xf16>) outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return
}
