func.func @f(%p: memref<?x8xf32>, %c: memref<256x4xf32>, %i: memref<?xi32>, %d: memref<?xf32>) {
  // expected-error @+1 {{'centroids' must have shape [T, vector length] = [?, 8], got [256, 4]}}
  vptq.nearest %p, %c, %i, %d : memref<?x8xf32>, memref<256x4xf32>, memref<?xi32>, memref<?xf32>
  return
}
