func.func @f(%x: memref<?x64xf16>, %w: memref<64xf16>) {
  // expected-error @+1 {{epsilon must be positive, got 0}}
  vptq.rms_norm %x, %w, %x {epsilon = 0.0 : f64} : memref<?x64xf16>, memref<64xf16>, memref<?x64xf16>
  return
}
