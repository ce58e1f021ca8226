func.func @f(%x: memref<?x60xf16>, %p: memref<?xi32>, %inv: memref<4xf32>) {
  // expected-error @+1 {{row width 60 is not a multiple of head_dim 8}}
  vptq.rotary %x, %p, %inv, %x {head_dim = 8 : i64} : memref<?x60xf16>, memref<?xi32>, memref<4xf32>, memref<?x60xf16>
  return
}
