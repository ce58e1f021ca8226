func.func @f(%p: memref<1x2x2xi32>, %i: tensor<1x2x16xi16>) {
  // expected-error @+1 {{'vptq.unpack_indices' op operands must be all ranked tensors or all memrefs, but operand #1 is a tensor and operand #0 is not}}
  %0 = vptq.unpack_indices #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, packed = true> %p : memref<1x2x2xi32> outs(%i : tensor<1x2x16xi16>) -> tensor<1x2x16xi16>
  return
}
