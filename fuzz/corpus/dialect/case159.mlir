// vptq.rotary_attention is what it fuses: a parallel loop over rows making
// every row's appends (query rotated in place, key into key_cache, value
// into value_cache at the row's position), and only after it the
// (row, head) loop of attention over the updated caches into the output.
func.func @rotary_attention(%q: memref<?x64xf16>, %k: memref<?x32xf16>, %v: memref<?x32xf16>, %p: memref<?xi32>, %f: memref<4xf32>, %kc: memref<512x32xf16>, %vc: memref<512x32xf16>, %o: memref<?x64xf16>) {
  vptq.rotary_attention %q, %k, %v, %p, %f, %kc, %vc, %o {num_heads = 8 : i64, num_kv_heads = 4 : i64, head_dim = 8 : i64, scale = 0.35355339059327379 : f64} : memref<?x64xf16>, memref<?x32xf16>, memref<?x32xf16>, memref<?xi32>, memref<4xf32>, memref<512x32xf16>, memref<512x32xf16>, memref<?x64xf16>
  return
}
