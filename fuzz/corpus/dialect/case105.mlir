func.func @f(%a: memref<?x64xf16>, %b: memref<?x32xf16>) {
  // expected-error @+1 {{'up' must have shape [T, width] = [?, 64], got [?, 32]}}
  vptq.silu_mul %a, %b, %a : memref<?x64xf16>, memref<?x32xf16>, memref<?x64xf16>
  return
}
