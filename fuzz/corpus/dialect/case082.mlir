func.func @f(%x: tensor<2x64xf16>, %w: tensor<32x64xf16>, %y: tensor<3x32xf16>) {
  // expected-error @+1 {{'outs' must have shape [batch, out_features] = [2, 32], got [3, 32]}}
  %0 = vptq.linear input(%x : tensor<2x64xf16>) weight(%w : tensor<32x64xf16>) outs(%y : tensor<3x32xf16>) -> tensor<3x32xf16>
  return
}
