// An all-zero residual codebook with unpacked indices is dropped, with its
// indices; res_index_bits goes with it.
func.func @zero_residual(%x: tensor<?x16xf16>, %i: tensor<1x2x16xi16>,
                         %r: tensor<1x2x16xi16>, %c: tensor<1x64xf16>,
                         %y: tensor<?x8xf16>) -> tensor<?x8xf16> {
  %rc = arith.constant dense<0.0> : tensor<1x16xf16>
  %0 = vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
                            num_centroids = 16, num_res_centroids = 4>
      input(%x : tensor<?x16xf16>) indices(%i : tensor<1x2x16xi16>)
      res_indices(%r : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>)
      res_centroids(%rc : tensor<1x16xf16>)
      outs(%y : tensor<?x8xf16>) -> tensor<?x8xf16>
  return %0 : tensor<?x8xf16>
}
