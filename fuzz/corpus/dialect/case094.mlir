func.func @f(%x: memref<?x64xf16>, %p: memref<?xi32>, %inv: memref<4xf32>) {
  // expected-error @+1 {{head_dim must be positive and even, got 7}}
  vptq.rotary %x, %p, %inv, %x {head_dim = 7 : i64} : memref<?x64xf16>, memref<?xi32>, memref<4xf32>, memref<?x64xf16>
  return
}
