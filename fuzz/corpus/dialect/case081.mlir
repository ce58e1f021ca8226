func.func @f(%x: tensor<?x60xf16>, %w: tensor<32x64xf16>, %y: tensor<?x32xf16>) {
  // expected-error @+1 {{'input' must have shape [batch, in_features] = [?, 64], got [?, 60]}}
  %0 = vptq.linear input(%x : tensor<?x60xf16>) weight(%w : tensor<32x64xf16>) outs(%y : tensor<?x32xf16>) -> tensor<?x32xf16>
  return
}
