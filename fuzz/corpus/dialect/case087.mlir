func.func @f(%x: memref<?x64xf16>, %w: memref<32xf16>) {
  // expected-error @+1 {{'weight' must have shape [hidden_size] = [64], got [32]}}
  vptq.rms_norm %x, %w, %x {epsilon = 1.0e-05 : f64} : memref<?x64xf16>, memref<32xf16>, memref<?x64xf16>
  return
}
