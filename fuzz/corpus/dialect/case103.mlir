func.func @f(%q: memref<?x64xf16>, %kc: memref<512x64xf16>, %p: memref<?xi32>) {
  // expected-error @+1 {{'key_cache' must have shape [T, num_kv_heads * head_dim] = [?, 32], got [512, 64]}}
  vptq.attention %q, %kc, %kc, %p, %q {num_heads = 8 : i64, num_kv_heads = 4 : i64, head_dim = 8 : i64, scale = 0.5 : f64} : memref<?x64xf16>, memref<512x64xf16>, memref<512x64xf16>, memref<?xi32>, memref<?x64xf16>
  return
}
