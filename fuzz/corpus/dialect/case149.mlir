// Scale 1 with a non-zero weight_bias is not the identity.
func.func @real_norm(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>,
                     %w: tensor<8x16xf16>) -> tensor<8x16xf16> {
  %s = arith.constant dense<1.0> : tensor<16xf16>
  %t = arith.constant dense<0.25> : tensor<16xf16>
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
                             num_centroids = 16, enable_norm = true>
      indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>)
      weight_scale(%s : tensor<16xf16>) weight_bias(%t : tensor<16xf16>)
      outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return %0 : tensor<8x16xf16>
}
