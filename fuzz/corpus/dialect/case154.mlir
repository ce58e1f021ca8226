// add_rms_norm: the first pass adds delta, rounds the sum to the residual's
// type, stores it and sums its squares; the second reads it back. Width 36
// of f16 allows 4-element steps; the f32 weight loads as one 16-byte piece.
func.func @add_rms_norm(%x: memref<?x36xf16>, %d: memref<?x36xf16>, %w: memref<36xf32>, %y: memref<?x36xf16>) {
  vptq.add_rms_norm %x, %d, %w, %y {epsilon = 1.0e-05 : f64} : memref<?x36xf16>, memref<?x36xf16>, memref<36xf32>, memref<?x36xf16>
  return
}
