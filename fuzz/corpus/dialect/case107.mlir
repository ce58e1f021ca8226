func.func @f(%t: memref<512x64xf16>, %i: memref<4xi32>, %x: memref<5x64xf16>) {
  // expected-error @+1 {{'output' has 5 rows but 'indices' has 4}}
  vptq.gather_rows %t, %i, %x : memref<512x64xf16>, memref<4xi32>, memref<5x64xf16>
  return
}
