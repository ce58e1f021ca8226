func.func @f(%x: memref<?x64xf16>, %d: memref<?x32xf16>, %w: memref<64xf16>, %y: memref<?x64xf16>) {
  // expected-error @+1 {{'delta' must have shape [T, hidden_size] = [?, 64], got [?, 32]}}
  vptq.add_rms_norm %x, %d, %w, %y {epsilon = 1.0e-05 : f64} : memref<?x64xf16>, memref<?x32xf16>, memref<64xf16>, memref<?x64xf16>
  return
}
