// gather_rows: bf16 table rows in 8-element steps, stored as two f32
// vectors; silu_mul and add in f32 steps of 4, silu per element.
func.func @gather_silu_add(%t: memref<512x64xbf16>, %ids: memref<?xi32>, %x: memref<?x64xf32>) {
  vptq.gather_rows %t, %ids, %x : memref<512x64xbf16>, memref<?xi32>, memref<?x64xf32>
  vptq.silu_mul %x, %x, %x : memref<?x64xf32>, memref<?x64xf32>, memref<?x64xf32>
  vptq.add %x, %x, %x : memref<?x64xf32>, memref<?x64xf32>, memref<?x64xf32>
  return
}
