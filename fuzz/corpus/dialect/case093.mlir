func.func @f(%x: memref<?x64xf16>, %d: memref<?x64xf16>, %w: memref<64xf16>, %y: memref<?x64xf16>) {
  // expected-error @+1 {{epsilon must be positive, got -1}}
  vptq.add_rms_norm %x, %d, %w, %y {epsilon = -1.0 : f64} : memref<?x64xf16>, memref<?x64xf16>, memref<64xf16>, memref<?x64xf16>
  return
}
