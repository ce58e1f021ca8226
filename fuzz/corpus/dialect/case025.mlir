func.func @f(%i: tensor<1x2x16xi16>, %c: memref<1x64xf16>, %w: tensor<8x16xf16>) {
  // expected-error @+1 {{'vptq.dequant' op operands must be all ranked tensors or all memrefs, but operand #1 is a memref and operand #0 is not}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16> indices(%i : tensor<1x2x16xi16>) centroids(%c : memref<1x64xf16>) outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return
}
