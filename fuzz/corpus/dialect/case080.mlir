// vptq.linear (dense layers).
func.func @f(%x: tensor<?x64xf16>, %w: tensor<?x64xf16>, %y: tensor<?x32xf16>) {
  // expected-error @+1 {{'weight' must have a static shape [out_features, in_features], got [?, 64]}}
  %0 = vptq.linear input(%x : tensor<?x64xf16>) weight(%w : tensor<?x64xf16>) outs(%y : tensor<?x32xf16>) -> tensor<?x32xf16>
  return
}
