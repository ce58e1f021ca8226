// Residual indices unpacked from another tensor: nothing to fold.
func.func @no_fold_mixed_sources(%packed: tensor<1x2x3xi32>,
                                 %r: tensor<1x2x16xi32>, %c: tensor<1x64xf16>,
                                 %rc: tensor<1x16xf16>,
                                 %w: tensor<8x16xf16>) -> tensor<8x16xf16> {
  %e0 = tensor.empty() : tensor<1x2x16xi32>
  %e1 = tensor.empty() : tensor<1x2x16xi32>
  %i, %unused = vptq.unpack_indices
      #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
               num_centroids = 16, num_res_centroids = 4, packed = true>
      %packed : tensor<1x2x3xi32>
      outs(%e0, %e1 : tensor<1x2x16xi32>, tensor<1x2x16xi32>)
      -> tensor<1x2x16xi32>, tensor<1x2x16xi32>
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
                             num_centroids = 16, num_res_centroids = 4>
      indices(%i : tensor<1x2x16xi32>) res_indices(%r : tensor<1x2x16xi32>)
      centroids(%c : tensor<1x64xf16>) res_centroids(%rc : tensor<1x16xf16>)
      outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return %0 : tensor<8x16xf16>
}
