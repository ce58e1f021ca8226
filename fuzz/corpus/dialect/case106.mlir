func.func @f(%a: memref<?x?xf16>) {
  // expected-error @+1 {{'lhs' must be a 2-D memref with a static row width, got [?, ?]}}
  vptq.add %a, %a, %a : memref<?x?xf16>, memref<?x?xf16>, memref<?x?xf16>
  return
}
