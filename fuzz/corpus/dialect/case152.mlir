// Ops on tensors have no side effects: unused ones are erased. On memrefs
// they write their outs and stay.
func.func @dead_ops(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>,
                    %w: tensor<8x16xf16>, %p: memref<1x2x2xi32>,
                    %o: memref<1x2x16xi16>) {
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
                             num_centroids = 16>
      indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>)
      outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  vptq.unpack_indices #vptq.vq<in_features = 16, out_features = 8,
                               vector_len = 4, num_centroids = 16,
                               packed = true>
      %p : memref<1x2x2xi32> outs(%o : memref<1x2x16xi16>)
  return
}
