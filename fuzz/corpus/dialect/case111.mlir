func.func @f(%p: memref<100x8xf32>, %c: memref<256x8xf32>, %i: memref<99xi32>, %d: memref<?xf32>) {
  // expected-error @+1 {{'indices' has 99 rows but 'points' has 100}}
  vptq.nearest %p, %c, %i, %d : memref<100x8xf32>, memref<256x8xf32>, memref<99xi32>, memref<?xf32>
  return
}
