// Attention: one (row, head) per iteration; online softmax over positions
// 0 .. positions[row] with the running max, the sum and an accumulator of
// head_dim floats; with one lane, whole heads move as vectors (the query
// once, a key and a value row per position). Head h reads
// key/value head h / 2 (8 heads, 4 key/value heads).
func.func @attention(%q: memref<?x64xf16>, %kc: memref<512x32xf16>, %vc: memref<512x32xf16>, %p: memref<?xi32>, %o: memref<?x64xf16>) {
  vptq.attention %q, %kc, %vc, %p, %o {num_heads = 8 : i64, num_kv_heads = 4 : i64, head_dim = 8 : i64, scale = 0.35355339059327379 : f64} : memref<?x64xf16>, memref<512x32xf16>, memref<512x32xf16>, memref<?xi32>, memref<?x64xf16>
  return
}
