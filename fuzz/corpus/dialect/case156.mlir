// Rotary: a step takes 2 pairs (i, i + head_dim/2) of a head (a sine and
// a cosine per element: 2 per lane), angles positions[row] *
// inv_freq[i .. i + 2), cos and sin per element.
func.func @rotary(%x: memref<?x64xf32>, %p: memref<?xi32>, %inv: memref<4xf32>) {
  vptq.rotary %x, %p, %inv, %x {head_dim = 8 : i64} : memref<?x64xf32>, memref<?xi32>, memref<4xf32>, memref<?x64xf32>
  return
}
