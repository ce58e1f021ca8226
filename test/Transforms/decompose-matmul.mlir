// RUN: vptq-opt %s -split-input-file -vptq-decompose-matmul | FileCheck %s
// RUN: vptq-opt %s -split-input-file -vptq-decompose-matmul=min-batch=32 | FileCheck %s --check-prefix=MIN
// RUN: vptq-opt %s -split-input-file -vptq-decompose-matmul -vptq-fuse-dequant-matmul | FileCheck %s --check-prefix=ROUNDTRIP

// vptq-decompose-matmul splits vptq.matmul into vptq.dequant to an f32
// weight, a transposed-B linalg.matmul accumulating in f32 and, when needed,
// an epilogue adding the bias and rounding. Fusing the result gives back the
// original op.

// CHECK-DAG: #[[MK:.+]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[NK:.+]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[MN:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[COL:.+]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @with_bias
// CHECK-SAME: (%[[X:.+]]: tensor<?x16xf16>, %[[I:.+]]: tensor<1x2x3xi32>, %[[C:.+]]: tensor<1x64xf16>, %[[RC:.+]]: tensor<1x16xf16>, %[[B:.+]]: tensor<8xf16>, %[[Y:.+]]: tensor<?x8xf16>)
// CHECK:   %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
// CHECK:   %[[WE:.+]] = tensor.empty() : tensor<8x16xf32>
// CHECK:   %[[W:.+]] = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, num_res_centroids = 4, packed = true> indices(%[[I]] : tensor<1x2x3xi32>) centroids(%[[C]] : tensor<1x64xf16>) res_centroids(%[[RC]] : tensor<1x16xf16>) outs(%[[WE]] : tensor<8x16xf32>) -> tensor<8x16xf32>
// CHECK:   %[[ACC:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.+}} : tensor<?x8xf32>)
// CHECK:   %[[MM:.+]] = linalg.matmul indexing_maps = [#[[MK]], #[[NK]], #[[MN]]] ins(%[[X]], %[[W]] : tensor<?x16xf16>, tensor<8x16xf32>) outs(%[[ACC]] : tensor<?x8xf32>)
// CHECK:   %[[OUT:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[COL]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[MM]], %[[B]] : tensor<?x8xf32>, tensor<8xf16>) outs(%[[Y]] : tensor<?x8xf16>)
// CHECK:     arith.extf
// CHECK:     arith.addf
// CHECK:     arith.truncf
// CHECK:   return %[[OUT]]
// MIN-LABEL: func.func @with_bias
// MIN: vptq.matmul
// ROUNDTRIP-LABEL: func.func @with_bias
// ROUNDTRIP: %[[R:.+]] = vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, num_res_centroids = 4, packed = true, bias = true> input(%{{[a-z0-9]+}} : tensor<?x16xf16>) indices(%{{[a-z0-9]+}} : tensor<1x2x3xi32>) centroids(%{{[a-z0-9]+}} : tensor<1x64xf16>) res_centroids(%{{[a-z0-9]+}} : tensor<1x16xf16>) bias(%{{[a-z0-9]+}} : tensor<8xf16>) outs(%{{[a-z0-9]+}} : tensor<?x8xf16>)
// ROUNDTRIP-NOT: linalg.
// ROUNDTRIP: return %[[R]]
func.func @with_bias(%x: tensor<?x16xf16>, %i: tensor<1x2x3xi32>,
                     %c: tensor<1x64xf16>, %rc: tensor<1x16xf16>,
                     %b: tensor<8xf16>, %y: tensor<?x8xf16>) -> tensor<?x8xf16> {
  %0 = vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
                            num_centroids = 16, num_res_centroids = 4,
                            packed = true, bias = true>
      input(%x : tensor<?x16xf16>) indices(%i : tensor<1x2x3xi32>)
      centroids(%c : tensor<1x64xf16>) res_centroids(%rc : tensor<1x16xf16>)
      bias(%b : tensor<8xf16>) outs(%y : tensor<?x8xf16>) -> tensor<?x8xf16>
  return %0 : tensor<?x8xf16>
}

// -----

// An f32 result without bias needs no epilogue. A static batch of 64 meets
// min-batch=32.
// CHECK-LABEL: func.func @f32_batch64
// CHECK: %[[MM:.+]] = linalg.matmul
// CHECK-NOT: linalg.generic
// CHECK: return %[[MM]]
// MIN-LABEL: func.func @f32_batch64
// MIN: linalg.matmul
// ROUNDTRIP-LABEL: func.func @f32_batch64
// ROUNDTRIP: vptq.matmul {{.*}} outs(%{{[a-z0-9]+}} : tensor<64x8xf32>)
func.func @f32_batch64(%x: tensor<64x16xbf16>, %i: tensor<1x2x16xi16>,
                       %c: tensor<1x64xbf16>,
                       %y: tensor<64x8xf32>) -> tensor<64x8xf32> {
  %0 = vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
                            num_centroids = 16>
      input(%x : tensor<64x16xbf16>) indices(%i : tensor<1x2x16xi16>)
      centroids(%c : tensor<1x64xbf16>)
      outs(%y : tensor<64x8xf32>) -> tensor<64x8xf32>
  return %0 : tensor<64x8xf32>
}

// -----

// Ops on memrefs are left alone (decompose on tensors, before bufferizing).
// CHECK-LABEL: func.func @memref_untouched
// CHECK: vptq.matmul
// CHECK-NOT: linalg
func.func @memref_untouched(%x: memref<?x16xf16>, %i: memref<1x2x16xi16>,
                            %c: memref<1x64xf16>, %y: memref<?x8xf16>) {
  vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
                       num_centroids = 16>
      input(%x : memref<?x16xf16>) indices(%i : memref<1x2x16xi16>)
      centroids(%c : memref<1x64xf16>) outs(%y : memref<?x8xf16>)
  return
}

// -----

// A gated input stays fused (its kernels compute silu(gate) * input while
// reading the activations).
// CHECK-LABEL: func.func @gated_untouched
// CHECK: vptq.matmul {{.*}} gate(%arg1 : tensor<?x16xf16>)
// CHECK-NOT: linalg
func.func @gated_untouched(%x: tensor<?x16xf16>, %g: tensor<?x16xf16>,
                           %i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>,
                           %y: tensor<?x8xf16>) -> tensor<?x8xf16> {
  %0 = vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
                            num_centroids = 16>
      input(%x : tensor<?x16xf16>) gate(%g : tensor<?x16xf16>)
      indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>)
      outs(%y : tensor<?x8xf16>) -> tensor<?x8xf16>
  return %0 : tensor<?x8xf16>
}
