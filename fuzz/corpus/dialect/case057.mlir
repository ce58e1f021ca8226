func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %w: tensor<8x16xf16>, %s: tensor<16xf16>, %b: tensor<16xbf16>) {
  // expected-error @+1 {{'weight_bias' element type 'bf16' differs from 'centroids' element type 'f16'}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, enable_norm = true> indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>) weight_scale(%s : tensor<16xf16>) weight_bias(%b : tensor<16xbf16>) outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return
}
