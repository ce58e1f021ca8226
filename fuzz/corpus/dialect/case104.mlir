func.func @f(%q: memref<?x64xf16>, %kc: memref<512x32xf16>, %vc: memref<256x32xf16>, %p: memref<?xi32>) {
  // expected-error @+1 {{'value_cache' has 256 rows but 'key_cache' has 512}}
  vptq.attention %q, %kc, %vc, %p, %q {num_heads = 8 : i64, num_kv_heads = 4 : i64, head_dim = 8 : i64, scale = 0.5 : f64} : memref<?x64xf16>, memref<512x32xf16>, memref<256x32xf16>, memref<?xi32>, memref<?x64xf16>
  return
}
