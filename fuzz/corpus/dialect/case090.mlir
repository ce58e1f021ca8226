func.func @f(%x: memref<?x64xf16>, %d: memref<?x64xf16>, %w: memref<64xf16>) {
  // expected-error @+1 {{'output' must not be 'residual': the updated residual stream would be overwritten}}
  vptq.add_rms_norm %x, %d, %w, %x {epsilon = 1.0e-05 : f64} : memref<?x64xf16>, memref<?x64xf16>, memref<64xf16>, memref<?x64xf16>
  return
}
