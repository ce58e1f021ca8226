func.func @f(%i: tensor<1x2x3xi32>, %c: tensor<1x64xf16>, %w: tensor<8x16xf16>) {
  // expected-error @+1 {{'indices' must have shape [num_codebooks, index_rows, packed_words] = [1, 2, 2], got [1, 2, 3]}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, packed = true> indices(%i : tensor<1x2x3xi32>) centroids(%c : tensor<1x64xf16>) outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return
}
