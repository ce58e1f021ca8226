func.func @f(%x: tensor<?x64xf16>, %w: tensor<32x64xi8>, %y: tensor<?x32xf16>) {
  // expected-error @+1 {{'weight' must have f16, bf16 or f32 elements, got 'i8'}}
  %0 = vptq.linear input(%x : tensor<?x64xf16>) weight(%w : tensor<32x64xi8>) outs(%y : tensor<?x32xf16>) -> tensor<?x32xf16>
  return
}
