func.func @f(%x: memref<2x64xf16>, %w: memref<64xf16>, %y: memref<3x64xf16>) {
  // expected-error @+1 {{'output' has 3 rows but 'input' has 2}}
  vptq.rms_norm %x, %w, %y {epsilon = 1.0e-05 : f64} : memref<2x64xf16>, memref<64xf16>, memref<3x64xf16>
  return
}
