func.func @f(%q: memref<?x64xf16>, %k: memref<?x32xf16>, %p: memref<?xi32>, %inv: memref<4xf32>, %c: memref<512x32xf16>) {
  // expected-error @+1 {{head_dim must be positive and even, got 7}}
  vptq.rotary_append %q, %k, %k, %p, %inv, %c, %c {head_dim = 7 : i64} : memref<?x64xf16>, memref<?x32xf16>, memref<?x32xf16>, memref<?xi32>, memref<4xf32>, memref<512x32xf16>, memref<512x32xf16>
  return
}
