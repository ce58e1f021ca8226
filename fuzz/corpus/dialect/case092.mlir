func.func @f(%x: memref<2x64xf16>, %d: memref<3x64xf16>, %w: memref<64xf16>, %y: memref<?x64xf16>) {
  // expected-error @+1 {{'delta' has 3 rows but 'residual' has 2}}
  vptq.add_rms_norm %x, %d, %w, %y {epsilon = 1.0e-05 : f64} : memref<2x64xf16>, memref<3x64xf16>, memref<64xf16>, memref<?x64xf16>
  return
}
