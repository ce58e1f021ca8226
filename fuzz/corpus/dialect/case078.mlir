func.func @f(%p: tensor<1x2x3xi32>, %i: tensor<1x2x16xi16>, %r: tensor<1x2x16xi1>) {
  // expected-error @+1 {{'residual outs' element type 'i1' is too narrow for res_index_bits = 2}}
  %0:2 = vptq.unpack_indices #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, num_res_centroids = 4, packed = true> %p : tensor<1x2x3xi32> outs(%i, %r : tensor<1x2x16xi16>, tensor<1x2x16xi1>) -> tensor<1x2x16xi16>, tensor<1x2x16xi1>
  return
}
