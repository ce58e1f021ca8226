// A permutation that swaps two columns stays.
func.func @real_perm(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>,
                     %w: tensor<8x16xf16>) -> tensor<8x16xf16> {
  %p = arith.constant dense<[1, 0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]> : tensor<16xi16>
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
                             num_centroids = 16, enable_perm = true>
      indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>)
      perm(%p : tensor<16xi16>) outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return %0 : tensor<8x16xf16>
}
