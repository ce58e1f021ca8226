func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %w: tensor<16x8xf16>) {
  // expected-error @+1 {{'outs' must have shape [out_features, in_features] = [8, 16], got [16, 8]}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16> indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>) outs(%w : tensor<16x8xf16>) -> tensor<16x8xf16>
  return
}
