func.func @f(%q: memref<?x64xf16>, %k: memref<?x32xf16>, %p: memref<?xi32>, %inv: memref<4xf32>, %c: memref<512x32xf16>, %vc: memref<512x64xf16>) {
  // expected-error @+1 {{'value_cache' must have shape [T, the key width] = [?, 32], got [512, 64]}}
  vptq.rotary_append %q, %k, %k, %p, %inv, %c, %vc {head_dim = 8 : i64} : memref<?x64xf16>, memref<?x32xf16>, memref<?x32xf16>, memref<?xi32>, memref<4xf32>, memref<512x32xf16>, memref<512x64xf16>
  return
}
