func.func @f(%i: tensor<1x2x16xi8>, %c: tensor<1x64xf16>, %w: tensor<8x16xf16>) {
  // expected-error @+1 {{'indices' element type 'i8' is too narrow for index_bits = 12}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, index_bits = 12> indices(%i : tensor<1x2x16xi8>) centroids(%c : tensor<1x64xf16>) outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return
}
