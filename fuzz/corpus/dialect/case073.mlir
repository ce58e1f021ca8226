func.func @f(%p: tensor<1x2x4xi32>, %i: tensor<1x2x16xi16>) {
  // expected-error @+1 {{'packed' must have shape [num_codebooks, index_rows, packed_words] = [1, 2, 2], got [1, 2, 4]}}
  %0 = vptq.unpack_indices #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, packed = true> %p : tensor<1x2x4xi32> outs(%i : tensor<1x2x16xi16>) -> tensor<1x2x16xi16>
  return
}
