// rotary_append on f32 rows with f16 caches: per row, 8 query and 4 key
// rotary steps of 2 pairs, then 2 value steps of 8 elements (16 bytes of
// the narrowest operand), as one loop of 14 steps; keys and values are
// rounded once, into the caches at row positions[row].
func.func @rotary_append(%q: memref<?x32xf32>, %k: memref<?x16xf32>, %v: memref<?x16xf32>, %p: memref<?xi32>, %inv: memref<4xf32>, %kc: memref<64x16xf16>, %vc: memref<64x16xf16>) {
  vptq.rotary_append %q, %k, %v, %p, %inv, %kc, %vc {head_dim = 8 : i64} : memref<?x32xf32>, memref<?x16xf32>, memref<?x16xf32>, memref<?xi32>, memref<4xf32>, memref<64x16xf16>, memref<64x16xf16>
  return
}
