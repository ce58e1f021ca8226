func.func @f(%p: memref<?x8xf16>, %c: memref<256x8xf16>, %i: memref<?xi32>, %d: memref<?xf32>) {
  // expected-error @+1 {{operand #0 must be 2D memref of 32-bit float values}}
  vptq.nearest %p, %c, %i, %d : memref<?x8xf16>, memref<256x8xf16>, memref<?xi32>, memref<?xf32>
  return
}
