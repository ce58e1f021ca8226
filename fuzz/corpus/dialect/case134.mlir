func.func @f(%q: memref<?x56xf16>, %k: memref<?x28xf16>, %p: memref<?xi32>, %inv: memref<3xf32>, %c: memref<512x28xf16>, %o: memref<?x56xf16>) {
  // expected-error @+1 {{head_dim must be even, got 7}}
  vptq.rotary_attention %q, %k, %k, %p, %inv, %c, %c, %o {num_heads = 8 : i64, num_kv_heads = 4 : i64, head_dim = 7 : i64, scale = 0.5 : f64} : memref<?x56xf16>, memref<?x28xf16>, memref<?x28xf16>, memref<?xi32>, memref<3xf32>, memref<512x28xf16>, memref<512x28xf16>, memref<?x56xf16>
  return
}
