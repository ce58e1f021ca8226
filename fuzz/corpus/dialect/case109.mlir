func.func @f(%k: memref<?x32xf16>, %i: memref<?xi32>, %c: memref<512x16xf16>) {
  // expected-error @+1 {{'output' must have shape [T, width] = [?, 32], got [512, 16]}}
  vptq.scatter_rows %k, %i, %c : memref<?x32xf16>, memref<?xi32>, memref<512x16xf16>
  return
}
