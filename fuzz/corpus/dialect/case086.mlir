func.func @f(%x: tensor<?x64xf16>, %w: memref<32x64xf16>, %y: tensor<?x32xf16>) {
  // expected-error @+1 {{'vptq.linear' op operands must be all ranked tensors or all memrefs, but operand #1 is a memref and operand #0 is not}}
  %0 = vptq.linear input(%x : tensor<?x64xf16>) weight(%w : memref<32x64xf16>) outs(%y : tensor<?x32xf16>) -> tensor<?x32xf16>
  return
}
