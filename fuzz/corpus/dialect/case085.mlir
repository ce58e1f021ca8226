func.func @f(%x: tensor<?x64xf16>, %w: tensor<32x64xf16>, %b: tensor<32xf32>, %y: tensor<?x32xf16>) {
  // expected-error @+1 {{'bias' element type 'f32' differs from 'weight' element type 'f16'}}
  %0 = vptq.linear input(%x : tensor<?x64xf16>) weight(%w : tensor<32x64xf16>) bias(%b : tensor<32xf32>) outs(%y : tensor<?x32xf16>) -> tensor<?x32xf16>
  return
}
