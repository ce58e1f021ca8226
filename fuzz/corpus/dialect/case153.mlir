// The transformer ops on the CPU: an scf.parallel over rows (rows x heads
// for attention) whose body is the shared row kernel with a single lane.

// rms_norm in 16-byte vector steps (8 x f16): the sum of squares, then the
// scaled row.
func.func @rms_norm(%x: memref<?x64xf16>, %w: memref<64xf16>, %y: memref<?x64xf16>) {
  vptq.rms_norm %x, %w, %y {epsilon = 1.0e-05 : f64} : memref<?x64xf16>, memref<64xf16>, memref<?x64xf16>
  return
}
