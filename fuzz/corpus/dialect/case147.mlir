// A residual with one non-zero entry stays.
func.func @nonzero_residual(%i: tensor<1x2x16xi16>, %r: tensor<1x2x16xi16>,
                            %c: tensor<1x64xf16>,
                            %w: tensor<8x16xf16>) -> tensor<8x16xf16> {
  %rc = arith.constant dense<[[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5]]> : tensor<1x16xf16>
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
                             num_centroids = 16, num_res_centroids = 4>
      indices(%i : tensor<1x2x16xi16>) res_indices(%r : tensor<1x2x16xi16>)
      centroids(%c : tensor<1x64xf16>) res_centroids(%rc : tensor<1x16xf16>)
      outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return %0 : tensor<8x16xf16>
}
