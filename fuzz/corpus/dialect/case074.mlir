func.func @f(%p: tensor<1x2x2xi32>, %i: tensor<1x2x8xi16>) {
  // expected-error @+1 {{'outs' must have shape [num_codebooks, index_rows, group_size] = [1, 2, 16], got [1, 2, 8]}}
  %0 = vptq.unpack_indices #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, packed = true> %p : tensor<1x2x2xi32> outs(%i : tensor<1x2x8xi16>) -> tensor<1x2x8xi16>
  return
}
