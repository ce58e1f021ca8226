func.func @f(%x: memref<?x16xf16>, %g: memref<?x16xf32>, %idx: memref<1x2x16xi16>, %cb: memref<1x64xf16>, %y: memref<?x8xf16>) {
  // expected-error @+1 {{'gate' must have the type of 'input', 'memref<?x16xf16>', got 'memref<?x16xf32>'}}
  vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16>
      input(%x : memref<?x16xf16>) gate(%g : memref<?x16xf32>) indices(%idx : memref<1x2x16xi16>)
      centroids(%cb : memref<1x64xf16>) outs(%y : memref<?x8xf16>)
  return
}
