func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf64>, %w: tensor<8x16xf16>) {
  // expected-error @+1 {{'centroids' must have f16, bf16 or f32 elements, got 'f64'}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16> indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf64>) outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return
}
