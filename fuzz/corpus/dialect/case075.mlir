func.func @f(%p: tensor<1x2x2xi32>, %i: tensor<1x2x16xi2>) {
  // expected-error @+1 {{'outs' element type 'i2' is too narrow for index_bits = 4}}
  %0 = vptq.unpack_indices #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, packed = true> %p : tensor<1x2x2xi32> outs(%i : tensor<1x2x16xi2>) -> tensor<1x2x16xi2>
  return
}
