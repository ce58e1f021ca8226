// scale = 1 and bias = 0 is the identity; a zero layer bias adds nothing.
func.func @identity_norm_zero_bias(%x: tensor<?x16xf16>,
                                   %i: tensor<1x2x16xi16>,
                                   %c: tensor<1x64xf16>,
                                   %y: tensor<?x8xf16>) -> tensor<?x8xf16> {
  %s = arith.constant dense<1.0> : tensor<16xf16>
  %t = arith.constant dense<0.0> : tensor<16xf16>
  %b = arith.constant dense<-0.0> : tensor<8xf16>
  %0 = vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
                            num_centroids = 16, enable_norm = true, bias = true>
      input(%x : tensor<?x16xf16>) indices(%i : tensor<1x2x16xi16>)
      centroids(%c : tensor<1x64xf16>)
      weight_scale(%s : tensor<16xf16>) weight_bias(%t : tensor<16xf16>)
      bias(%b : tensor<8xf16>) outs(%y : tensor<?x8xf16>) -> tensor<?x8xf16>
  return %0 : tensor<?x8xf16>
}
