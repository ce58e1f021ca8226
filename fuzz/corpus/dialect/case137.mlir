func.func @f(%q: memref<?x64xf16>, %k: memref<?x32xf16>, %p: memref<?xi32>, %inv: memref<8xf32>, %c: memref<512x32xf16>, %o: memref<?x64xf16>) {
  // expected-error @+1 {{'inv_freq' must have shape [head_dim / 2]}}
  vptq.rotary_attention %q, %k, %k, %p, %inv, %c, %c, %o {num_heads = 8 : i64, num_kv_heads = 4 : i64, head_dim = 8 : i64, scale = 0.5 : f64} : memref<?x64xf16>, memref<?x32xf16>, memref<?x32xf16>, memref<?xi32>, memref<8xf32>, memref<512x32xf16>, memref<512x32xf16>, memref<?x64xf16>
  return
}
