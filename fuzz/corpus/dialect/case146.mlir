// Packed codes keep their residual bits, so the residual cannot go.
func.func @zero_residual_packed(%x: tensor<?x16xf16>, %i: tensor<1x2x3xi32>,
                                %c: tensor<1x64xf16>,
                                %y: tensor<?x8xf16>) -> tensor<?x8xf16> {
  %rc = arith.constant dense<0.0> : tensor<1x16xf16>
  %0 = vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
                            num_centroids = 16, num_res_centroids = 4,
                            packed = true>
      input(%x : tensor<?x16xf16>) indices(%i : tensor<1x2x3xi32>)
      centroids(%c : tensor<1x64xf16>) res_centroids(%rc : tensor<1x16xf16>)
      outs(%y : tensor<?x8xf16>) -> tensor<?x8xf16>
  return %0 : tensor<?x8xf16>
}
