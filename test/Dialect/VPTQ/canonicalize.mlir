// RUN: vptq-opt %s -canonicalize -split-input-file | FileCheck %s

// Canonicalization drops weight parts that provably do nothing (identity
// permutation, all-zero residual, unit norm, zero bias), folds an explicit
// vptq.unpack_indices into its consumer, and leaves everything else alone.

// CHECK-LABEL: func.func @identity_perm
// CHECK-SAME: (%[[I:.+]]: tensor<1x2x16xi16>, %[[C:.+]]: tensor<1x64xf16>, %[[W:.+]]: tensor<8x16xf16>)
// CHECK: vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16> indices(%[[I]] : tensor<1x2x16xi16>) centroids(%[[C]] : tensor<1x64xf16>) outs(%[[W]]
// CHECK-NOT: perm
func.func @identity_perm(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>,
                         %w: tensor<8x16xf16>) -> tensor<8x16xf16> {
  %p = arith.constant dense<[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]> : tensor<16xi16>
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
                             num_centroids = 16, enable_perm = true>
      indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>)
      perm(%p : tensor<16xi16>) outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return %0 : tensor<8x16xf16>
}

// -----

// A permutation that swaps two columns stays.
// CHECK-LABEL: func.func @real_perm
// CHECK: %[[P:.+]] = arith.constant
// CHECK: vptq.dequant #vptq.vq<{{.*}}enable_perm = true> {{.*}} perm(%[[P]] : tensor<16xi16>)
func.func @real_perm(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>,
                     %w: tensor<8x16xf16>) -> tensor<8x16xf16> {
  %p = arith.constant dense<[1, 0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]> : tensor<16xi16>
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
                             num_centroids = 16, enable_perm = true>
      indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>)
      perm(%p : tensor<16xi16>) outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return %0 : tensor<8x16xf16>
}

// -----

// An all-zero residual codebook with unpacked indices is dropped, with its
// indices; res_index_bits goes with it.
// CHECK-LABEL: func.func @zero_residual
// CHECK: vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16> input(%{{[a-z0-9_]+}} : tensor<?x16xf16>) indices(%{{[a-z0-9_]+}} : tensor<1x2x16xi16>) centroids(%{{[a-z0-9_]+}} : tensor<1x64xf16>) outs(
// CHECK-NOT: res_
func.func @zero_residual(%x: tensor<?x16xf16>, %i: tensor<1x2x16xi16>,
                         %r: tensor<1x2x16xi16>, %c: tensor<1x64xf16>,
                         %y: tensor<?x8xf16>) -> tensor<?x8xf16> {
  %rc = arith.constant dense<0.0> : tensor<1x16xf16>
  %0 = vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
                            num_centroids = 16, num_res_centroids = 4>
      input(%x : tensor<?x16xf16>) indices(%i : tensor<1x2x16xi16>)
      res_indices(%r : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>)
      res_centroids(%rc : tensor<1x16xf16>)
      outs(%y : tensor<?x8xf16>) -> tensor<?x8xf16>
  return %0 : tensor<?x8xf16>
}

// -----

// Packed codes keep their residual bits, so the residual cannot go.
// CHECK-LABEL: func.func @zero_residual_packed
// CHECK: vptq.matmul #vptq.vq<{{.*}}num_res_centroids = 4, packed = true>{{.*}}res_centroids(
func.func @zero_residual_packed(%x: tensor<?x16xf16>, %i: tensor<1x2x3xi32>,
                                %c: tensor<1x64xf16>,
                                %y: tensor<?x8xf16>) -> tensor<?x8xf16> {
  %rc = arith.constant dense<0.0> : tensor<1x16xf16>
  %0 = vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
                            num_centroids = 16, num_res_centroids = 4,
                            packed = true>
      input(%x : tensor<?x16xf16>) indices(%i : tensor<1x2x3xi32>)
      centroids(%c : tensor<1x64xf16>) res_centroids(%rc : tensor<1x16xf16>)
      outs(%y : tensor<?x8xf16>) -> tensor<?x8xf16>
  return %0 : tensor<?x8xf16>
}

// -----

// A residual with one non-zero entry stays.
// CHECK-LABEL: func.func @nonzero_residual
// CHECK: vptq.dequant #vptq.vq<{{.*}}num_res_centroids = 4>{{.*}}res_indices({{.*}}res_centroids(
func.func @nonzero_residual(%i: tensor<1x2x16xi16>, %r: tensor<1x2x16xi16>,
                            %c: tensor<1x64xf16>,
                            %w: tensor<8x16xf16>) -> tensor<8x16xf16> {
  %rc = arith.constant dense<[[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5]]> : tensor<1x16xf16>
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
                             num_centroids = 16, num_res_centroids = 4>
      indices(%i : tensor<1x2x16xi16>) res_indices(%r : tensor<1x2x16xi16>)
      centroids(%c : tensor<1x64xf16>) res_centroids(%rc : tensor<1x16xf16>)
      outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return %0 : tensor<8x16xf16>
}

// -----

// scale = 1 and bias = 0 is the identity; a zero layer bias adds nothing.
// CHECK-LABEL: func.func @identity_norm_zero_bias
// CHECK: vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16> input(
// CHECK-NOT: weight_scale
// CHECK-NOT: bias(
func.func @identity_norm_zero_bias(%x: tensor<?x16xf16>,
                                   %i: tensor<1x2x16xi16>,
                                   %c: tensor<1x64xf16>,
                                   %y: tensor<?x8xf16>) -> tensor<?x8xf16> {
  %s = arith.constant dense<1.0> : tensor<16xf16>
  %t = arith.constant dense<0.0> : tensor<16xf16>
  %b = arith.constant dense<-0.0> : tensor<8xf16>
  %0 = vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
                            num_centroids = 16, enable_norm = true, bias = true>
      input(%x : tensor<?x16xf16>) indices(%i : tensor<1x2x16xi16>)
      centroids(%c : tensor<1x64xf16>)
      weight_scale(%s : tensor<16xf16>) weight_bias(%t : tensor<16xf16>)
      bias(%b : tensor<8xf16>) outs(%y : tensor<?x8xf16>) -> tensor<?x8xf16>
  return %0 : tensor<?x8xf16>
}

// -----

// Scale 1 with a non-zero weight_bias is not the identity.
// CHECK-LABEL: func.func @real_norm
// CHECK: vptq.dequant #vptq.vq<{{.*}}enable_norm = true>{{.*}}weight_scale({{.*}}weight_bias(
func.func @real_norm(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>,
                     %w: tensor<8x16xf16>) -> tensor<8x16xf16> {
  %s = arith.constant dense<1.0> : tensor<16xf16>
  %t = arith.constant dense<0.25> : tensor<16xf16>
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
                             num_centroids = 16, enable_norm = true>
      indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>)
      weight_scale(%s : tensor<16xf16>) weight_bias(%t : tensor<16xf16>)
      outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return %0 : tensor<8x16xf16>
}

// -----

// Consumers read packed indices directly: the unpack folds away and the
// configuration becomes the packed one.
// CHECK-LABEL: func.func @fold_unpack
// CHECK-SAME: (%[[X:.+]]: tensor<?x16xf16>, %[[P:.+]]: tensor<1x2x3xi32>,
// CHECK-NOT: vptq.unpack_indices
// CHECK: vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, num_res_centroids = 4, packed = true> input(%[[X]] : tensor<?x16xf16>) indices(%[[P]] : tensor<1x2x3xi32>) centroids(
// CHECK-NOT: res_indices
// CHECK-NOT: vptq.unpack_indices
func.func @fold_unpack(%x: tensor<?x16xf16>, %packed: tensor<1x2x3xi32>,
                       %c: tensor<1x64xf16>, %rc: tensor<1x16xf16>,
                       %y: tensor<?x8xf16>) -> tensor<?x8xf16> {
  %e0 = tensor.empty() : tensor<1x2x16xi32>
  %e1 = tensor.empty() : tensor<1x2x16xi32>
  %i, %r = vptq.unpack_indices
      #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
               num_centroids = 16, num_res_centroids = 4, packed = true>
      %packed : tensor<1x2x3xi32>
      outs(%e0, %e1 : tensor<1x2x16xi32>, tensor<1x2x16xi32>)
      -> tensor<1x2x16xi32>, tensor<1x2x16xi32>
  %0 = vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
                            num_centroids = 16, num_res_centroids = 4>
      input(%x : tensor<?x16xf16>) indices(%i : tensor<1x2x16xi32>)
      res_indices(%r : tensor<1x2x16xi32>) centroids(%c : tensor<1x64xf16>)
      res_centroids(%rc : tensor<1x16xf16>)
      outs(%y : tensor<?x8xf16>) -> tensor<?x8xf16>
  return %0 : tensor<?x8xf16>
}

// -----

// Residual indices unpacked from another tensor: nothing to fold.
// CHECK-LABEL: func.func @no_fold_mixed_sources
// CHECK: vptq.unpack_indices
// CHECK: vptq.dequant #vptq.vq<{{.*}}num_res_centroids = 4> indices(
func.func @no_fold_mixed_sources(%packed: tensor<1x2x3xi32>,
                                 %r: tensor<1x2x16xi32>, %c: tensor<1x64xf16>,
                                 %rc: tensor<1x16xf16>,
                                 %w: tensor<8x16xf16>) -> tensor<8x16xf16> {
  %e0 = tensor.empty() : tensor<1x2x16xi32>
  %e1 = tensor.empty() : tensor<1x2x16xi32>
  %i, %unused = vptq.unpack_indices
      #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
               num_centroids = 16, num_res_centroids = 4, packed = true>
      %packed : tensor<1x2x3xi32>
      outs(%e0, %e1 : tensor<1x2x16xi32>, tensor<1x2x16xi32>)
      -> tensor<1x2x16xi32>, tensor<1x2x16xi32>
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
                             num_centroids = 16, num_res_centroids = 4>
      indices(%i : tensor<1x2x16xi32>) res_indices(%r : tensor<1x2x16xi32>)
      centroids(%c : tensor<1x64xf16>) res_centroids(%rc : tensor<1x16xf16>)
      outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return %0 : tensor<8x16xf16>
}

// -----

// Ops on tensors have no side effects: unused ones are erased. On memrefs
// they write their outs and stay.
// CHECK-LABEL: func.func @dead_ops
// CHECK-NOT: vptq.dequant
// CHECK: vptq.unpack_indices {{.*}} : memref<1x2x2xi32>
// CHECK-NOT: vptq.
func.func @dead_ops(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>,
                    %w: tensor<8x16xf16>, %p: memref<1x2x2xi32>,
                    %o: memref<1x2x16xi16>) {
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
                             num_centroids = 16>
      indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>)
      outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  vptq.unpack_indices #vptq.vq<in_features = 16, out_features = 8,
                               vector_len = 4, num_centroids = 16,
                               packed = true>
      %p : memref<1x2x2xi32> outs(%o : memref<1x2x16xi16>)
  return
}
