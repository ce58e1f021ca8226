// RUN: vptq-opt -canonicalize %vptq_src_root/examples/llama-mlp.mlir | FileCheck %s

// The demo that scripts/demo.sh runs: its identity permutation on down_proj
// is canonicalized away; gate and up keep their packed residual config.

// CHECK-LABEL: func.func @mlp
// CHECK-COUNT-2: vptq.matmul #vptq.vq<in_features = 64, out_features = 172, vector_len = 4, num_centroids = 256, num_res_centroids = 16, packed = true> input(
// CHECK: linalg.generic
// CHECK: vptq.matmul #vptq.vq<in_features = 172, out_features = 64, vector_len = 4, num_centroids = 256, num_res_centroids = 16, packed = true> input(
// CHECK-NOT: perm(
