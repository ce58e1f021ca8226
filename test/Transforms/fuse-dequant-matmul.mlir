// RUN: vptq-opt %s -split-input-file -vptq-fuse-dequant-matmul | FileCheck %s

// vptq-fuse-dequant-matmul turns a dense matmul by the transpose of a
// vptq.dequant result into one vptq.matmul, whether the transpose is a
// linalg.transpose or the matmul's indexing maps, and only when the init is
// zero-filled (vptq.matmul overwrites, linalg.matmul accumulates).

#mk = affine_map<(m, n, k) -> (m, k)>
#nk = affine_map<(m, n, k) -> (n, k)>
#mn = affine_map<(m, n, k) -> (m, n)>

// CHECK-LABEL: func.func @transposed_maps
// CHECK-SAME: (%[[X:.+]]: tensor<4x16xf16>, %[[I:.+]]: tensor<1x2x16xi16>, %[[C:.+]]: tensor<1x64xf16>)
// CHECK: %[[E:.+]] = tensor.empty() : tensor<4x8xf16>
// CHECK: %[[Y:.+]] = vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16> input(%[[X]] : tensor<4x16xf16>) indices(%[[I]] : tensor<1x2x16xi16>) centroids(%[[C]] : tensor<1x64xf16>) outs(%[[E]] : tensor<4x8xf16>) -> tensor<4x8xf16>
// CHECK-NOT: linalg.matmul
// CHECK: return %[[Y]]
func.func @transposed_maps(%x: tensor<4x16xf16>, %i: tensor<1x2x16xi16>,
                           %c: tensor<1x64xf16>) -> tensor<4x8xf16> {
  %we = tensor.empty() : tensor<8x16xf16>
  %w = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
                             num_centroids = 16>
      indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>)
      outs(%we : tensor<8x16xf16>) -> tensor<8x16xf16>
  %zero = arith.constant 0.0 : f16
  %e = tensor.empty() : tensor<4x8xf16>
  %acc = linalg.fill ins(%zero : f16) outs(%e : tensor<4x8xf16>) -> tensor<4x8xf16>
  %y = linalg.matmul indexing_maps = [#mk, #nk, #mn]
      ins(%x, %w : tensor<4x16xf16>, tensor<8x16xf16>)
      outs(%acc : tensor<4x8xf16>) -> tensor<4x8xf16>
  return %y : tensor<4x8xf16>
}

// -----

// An explicit linalg.transpose with the default maps; a layer bias in the
// configuration is not carried into the fused op (the matmul adds none).
// CHECK-LABEL: func.func @explicit_transpose
// CHECK: %[[Y:.+]] = vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, enable_perm = true> input(
// CHECK-SAME: perm(
// CHECK-NOT: linalg.transpose
// CHECK: return %[[Y]]
func.func @explicit_transpose(%x: tensor<?x16xf32>, %i: tensor<1x2x16xi16>,
                              %c: tensor<1x64xf16>, %p: tensor<16xi64>,
                              %n: index) -> tensor<?x8xf32> {
  %we = tensor.empty() : tensor<8x16xf32>
  %w = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
                             num_centroids = 16, enable_perm = true, bias = true>
      indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>)
      perm(%p : tensor<16xi64>)
      outs(%we : tensor<8x16xf32>) -> tensor<8x16xf32>
  %te = tensor.empty() : tensor<16x8xf32>
  %wt = linalg.transpose ins(%w : tensor<8x16xf32>) outs(%te : tensor<16x8xf32>)
      permutation = [1, 0]
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty(%n) : tensor<?x8xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<?x8xf32>) -> tensor<?x8xf32>
  %y = linalg.matmul ins(%x, %wt : tensor<?x16xf32>, tensor<16x8xf32>)
      outs(%acc : tensor<?x8xf32>) -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// -----

// Accumulating into a non-zero init is not a plain product: not fused.
// CHECK-LABEL: func.func @nonzero_init
// CHECK: vptq.dequant
// CHECK: linalg.matmul
// CHECK-NOT: vptq.matmul
func.func @nonzero_init(%x: tensor<4x16xf16>, %i: tensor<1x2x16xi16>,
                        %c: tensor<1x64xf16>,
                        %acc: tensor<4x8xf16>) -> tensor<4x8xf16> {
  %we = tensor.empty() : tensor<8x16xf16>
  %w = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
                             num_centroids = 16>
      indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>)
      outs(%we : tensor<8x16xf16>) -> tensor<8x16xf16>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                     affine_map<(m, n, k) -> (n, k)>,
                                     affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %w : tensor<4x16xf16>, tensor<8x16xf16>)
      outs(%acc : tensor<4x8xf16>) -> tensor<4x8xf16>
  return %y : tensor<4x8xf16>
}

// -----

// The weight used untransposed (x[m, k] * W[k, n], W square) computes
// something else: not fused.
// CHECK-LABEL: func.func @untransposed
// CHECK: linalg.matmul
// CHECK-NOT: vptq.matmul
func.func @untransposed(%x: tensor<4x16xf16>, %i: tensor<1x4x16xi16>,
                        %c: tensor<1x64xf16>) -> tensor<4x16xf16> {
  %we = tensor.empty() : tensor<16x16xf16>
  %w = vptq.dequant #vptq.vq<in_features = 16, out_features = 16, vector_len = 4,
                             num_centroids = 16>
      indices(%i : tensor<1x4x16xi16>) centroids(%c : tensor<1x64xf16>)
      outs(%we : tensor<16x16xf16>) -> tensor<16x16xf16>
  %zero = arith.constant 0.0 : f16
  %e = tensor.empty() : tensor<4x16xf16>
  %acc = linalg.fill ins(%zero : f16) outs(%e : tensor<4x16xf16>) -> tensor<4x16xf16>
  %y = linalg.matmul ins(%x, %w : tensor<4x16xf16>, tensor<16x16xf16>)
      outs(%acc : tensor<4x16xf16>) -> tensor<4x16xf16>
  return %y : tensor<4x16xf16>
}

// -----

// An epilogue that does more than add a bias and round stays separate.
// CHECK-LABEL: func.func @other_epilogue
// CHECK: %[[M:.+]] = vptq.matmul {{.*}} -> tensor<4x8xf32>
// CHECK: linalg.generic {{.*}} ins(%[[M]]
// CHECK: arith.mulf
func.func @other_epilogue(%x: tensor<4x16xf16>, %i: tensor<1x2x16xi16>,
                          %c: tensor<1x64xf16>,
                          %out: tensor<4x8xf16>) -> tensor<4x8xf16> {
  %we = tensor.empty() : tensor<8x16xf32>
  %w = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
                             num_centroids = 16>
      indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>)
      outs(%we : tensor<8x16xf32>) -> tensor<8x16xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x8xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                     affine_map<(m, n, k) -> (n, k)>,
                                     affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %w : tensor<4x16xf16>, tensor<8x16xf32>)
      outs(%acc : tensor<4x8xf32>) -> tensor<4x8xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>,
                                        affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%y : tensor<4x8xf32>) outs(%out : tensor<4x8xf16>) {
  ^bb0(%a: f32, %o: f16):
    %sq = arith.mulf %a, %a : f32
    %t = arith.truncf %sq : f32 to f16
    linalg.yield %t : f16
  } -> tensor<4x8xf16>
  return %r : tensor<4x8xf16>
}
