// Consumers read packed indices directly: the unpack folds away and the
// configuration becomes the packed one.
func.func @fold_unpack(%x: tensor<?x16xf16>, %packed: tensor<1x2x3xi32>,
                       %c: tensor<1x64xf16>, %rc: tensor<1x16xf16>,
                       %y: tensor<?x8xf16>) -> tensor<?x8xf16> {
  %e0 = tensor.empty() : tensor<1x2x16xi32>
  %e1 = tensor.empty() : tensor<1x2x16xi32>
  %i, %r = vptq.unpack_indices
      #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
               num_centroids = 16, num_res_centroids = 4, packed = true>
      %packed : tensor<1x2x3xi32>
      outs(%e0, %e1 : tensor<1x2x16xi32>, tensor<1x2x16xi32>)
      -> tensor<1x2x16xi32>, tensor<1x2x16xi32>
  %0 = vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
                            num_centroids = 16, num_res_centroids = 4>
      input(%x : tensor<?x16xf16>) indices(%i : tensor<1x2x16xi32>)
      res_indices(%r : tensor<1x2x16xi32>) centroids(%c : tensor<1x64xf16>)
      res_centroids(%rc : tensor<1x16xf16>)
      outs(%y : tensor<?x8xf16>) -> tensor<?x8xf16>
  return %0 : tensor<?x8xf16>
}
