func.func @f(%x: tensor<?x64xf16>, %w: tensor<32x64xf16>, %b: tensor<31xf16>, %y: tensor<?x32xf16>) {
  // expected-error @+1 {{'bias' must have shape [out_features] = [32], got [31]}}
  %0 = vptq.linear input(%x : tensor<?x64xf16>) weight(%w : tensor<32x64xf16>) bias(%b : tensor<31xf16>) outs(%y : tensor<?x32xf16>) -> tensor<?x32xf16>
  return
}
