func.func @f(%q: memref<3x64xf16>, %k: memref<2x32xf16>, %p: memref<?xi32>, %inv: memref<4xf32>, %c: memref<512x32xf16>) {
  // expected-error @+1 {{'key' has 2 rows but 'query' has 3}}
  vptq.rotary_append %q, %k, %k, %p, %inv, %c, %c {head_dim = 8 : i64} : memref<3x64xf16>, memref<2x32xf16>, memref<2x32xf16>, memref<?xi32>, memref<4xf32>, memref<512x32xf16>, memref<512x32xf16>
  return
}
