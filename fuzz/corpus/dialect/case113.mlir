func.func @f(%x: memref<?x64xf32>, %h: memref<64x32xf32>) {
  // expected-error @+1 {{'hessian' must have shape [N, N] = [64, 64], got [64, 32]}}
  vptq.gram %x, %h : memref<?x64xf32>, memref<64x32xf32>
  return
}
