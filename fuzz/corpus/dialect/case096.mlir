func.func @f(%x: memref<?x64xf16>, %p: memref<?xi32>, %inv: memref<8xf32>) {
  // expected-error @+1 {{'inv_freq' must have shape [head_dim / 2] = [4], got [8]}}
  vptq.rotary %x, %p, %inv, %x {head_dim = 8 : i64} : memref<?x64xf16>, memref<?xi32>, memref<8xf32>, memref<?x64xf16>
  return
}
