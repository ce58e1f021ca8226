func.func @f(%t: memref<512x64xf16>, %i: memref<?xi64>, %x: memref<?x64xf16>) {
  // expected-error @+1 {{operand #1 must be 1D memref of 32-bit signless integer values}}
  vptq.gather_rows %t, %i, %x : memref<512x64xf16>, memref<?xi64>, memref<?x64xf16>
  return
}
