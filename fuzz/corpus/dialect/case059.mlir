func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %w: tensor<8x16xi32>) {
  // expected-error @+1 {{'outs' must have f16, bf16 or f32 elements, got 'i32'}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16> indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>) outs(%w : tensor<8x16xi32>) -> tensor<8x16xi32>
  return
}
