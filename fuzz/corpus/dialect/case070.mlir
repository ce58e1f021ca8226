func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %x: tensor<?x16xf16>, %y: tensor<?x8xf16>, %b: tensor<8xf32>) {
  // expected-error @+1 {{'bias' element type 'f32' differs from 'centroids' element type 'f16'}}
  %0 = vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, bias = true> input(%x : tensor<?x16xf16>) indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>) bias(%b : tensor<8xf32>) outs(%y : tensor<?x8xf16>) -> tensor<?x8xf16>
  return
}
