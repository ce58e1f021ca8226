// RUN: vptq-opt %s -split-input-file -convert-vptq-to-cpu -canonicalize -cse | FileCheck %s --implicit-check-not=vptq.

// convert-vptq-to-cpu lowers vptq ops on memrefs to scf loops with vector
// arithmetic: vptq.matmul gathers the permuted activations once, then an
// scf.parallel over blocks of index rows accumulates batch_tile rows of
// vector<V x f32> per code; dequant and unpack_indices become plain loops.

// CHECK-LABEL: func.func @matmul
// CHECK-SAME: (%[[X:.+]]: memref<?x16xf16>, %[[I:.+]]: memref<1x2x3xi32>, %[[C:.+]]: memref<1x64xf16>, %[[RC:.+]]: memref<1x16xf16>, %[[P:.+]]: memref<16xi16>, %[[B:.+]]: memref<8xf16>, %[[Y:.+]]: memref<?x8xf16>)
// CHECK-DAG: %[[ZERO:.+]] = arith.constant dense<0.000000e+00> : vector<4xf32>
// CHECK: %[[XS:.+]] = memref.alloc(%{{.+}}) : memref<?x16xf32>
// Activations are gathered through the permutation.
// CHECK:     %[[PI:.+]] = memref.load %[[P]][%{{.+}}] : memref<16xi16>
// CHECK:     %[[COL:.+]] = arith.index_castui %[[PI]] : i16 to index
// CHECK:     memref.load %[[X]][%{{.+}}, %[[COL]]] : memref<?x16xf16>
// CHECK:     memref.store %{{.+}}, %[[XS]]
// One task per block_rows index rows.
// CHECK: scf.parallel (%[[BLK:.+]]) = (%{{.+}}) to (%{{.+}}) step
// Two batch rows (batch_tile = 2) accumulate per code.
// CHECK: %[[ACC:.+]]:2 = scf.for {{.+}} iter_args(%[[A0:.+]] = %[[ZERO]], %[[A1:.+]] = %[[ZERO]]) -> (vector<4xf32>, vector<4xf32>)
// 6-bit codes (4 main + 2 residual) read from a two-word window.
// CHECK:   arith.shrui %{{.+}}, %{{.+}} : index
// CHECK:   memref.load %[[I]]
// CHECK:   memref.load %[[I]]
// CHECK:   arith.shli %{{.+}}, %{{.+}} : i64
// CHECK:   %[[MAIN:.+]] = vector.load %[[C]][%{{.+}}, %{{.+}}] {alignment = 8 : i64} : memref<1x64xf16>, vector<4xf16>
// CHECK:   arith.extf %[[MAIN]] : vector<4xf16> to vector<4xf32>
// CHECK:   %[[RES:.+]] = vector.load %[[RC]][%{{.+}}, %{{.+}}] {alignment = 8 : i64} : memref<1x16xf16>, vector<4xf16>
// CHECK:   %[[W:.+]] = arith.addf %{{.+}}, %{{.+}} : vector<4xf32>
// CHECK:   vector.fma %{{.+}}, %[[W]], %[[A0]] : vector<4xf32>
// CHECK:   vector.fma %{{.+}}, %[[W]], %[[A1]] : vector<4xf32>
// The epilogue adds the bias and rounds to f16, guarded by the batch.
// CHECK: scf.if
// CHECK:   vector.extract %[[ACC]]#0[0]
// CHECK:   memref.load %[[B]]
// CHECK:   arith.truncf %{{.+}} : f32 to f16
// CHECK:   memref.store %{{.+}}, %[[Y]]
// CHECK: memref.dealloc %[[XS]]
func.func @matmul(%x: memref<?x16xf16>, %i: memref<1x2x3xi32>,
                  %c: memref<1x64xf16>, %rc: memref<1x16xf16>,
                  %p: memref<16xi16>, %b: memref<8xf16>,
                  %y: memref<?x8xf16>) {
  vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
                       num_centroids = 16, num_res_centroids = 4,
                       packed = true, enable_perm = true, bias = true>
      input(%x : memref<?x16xf16>) indices(%i : memref<1x2x3xi32>)
      centroids(%c : memref<1x64xf16>) res_centroids(%rc : memref<1x16xf16>)
      perm(%p : memref<16xi16>) bias(%b : memref<8xf16>)
      outs(%y : memref<?x8xf16>)
      {tiling = #vptq.tiling<block_rows = 1, warps_per_row = 1, batch_tile = 2,
                             k_chunk = 32>}
  return
}

// -----

// Norm: activations are scaled per column and a per-row term
// sum_j x[b, j] * weight_bias[j] is added; outliers add their columns in
// the epilogue. Rows 6 and 7 are padding (out = 6, V = 4): guarded.
// CHECK-LABEL: func.func @norm_outliers
// CHECK: %[[XS:.+]] = memref.alloc
// CHECK: arith.mulf
// CHECK: %[[NT:.+]] = memref.alloc(%{{.+}}) : memref<?xf32>
// CHECK: scf.parallel
// CHECK: vector.fma
// CHECK: scf.for {{.+}} iter_args
// CHECK:   memref.load %{{.+}}[%{{.+}}, %{{.+}}, %{{.+}}] : memref<1x3x2xi16>
// CHECK:   memref.load %{{.+}} : memref<1x8xf32>
// CHECK: memref.load %[[NT]]
// CHECK: arith.cmpi ult, %{{.+}}, %c6
// CHECK: memref.dealloc %[[XS]]
// CHECK: memref.dealloc %[[NT]]
func.func @norm_outliers(%x: memref<?x10xf32>, %i: memref<1x2x8xi16>,
                         %c: memref<1x64xf32>, %oi: memref<1x3x2xi16>,
                         %oc: memref<1x8xf32>, %s: memref<10xf32>,
                         %t: memref<10xf32>, %y: memref<?x6xf32>) {
  vptq.matmul #vptq.vq<in_features = 10, out_features = 6, vector_len = 4,
                       num_centroids = 16, outlier_size = 2,
                       outlier_vector_len = 2, num_outlier_centroids = 4,
                       enable_norm = true>
      input(%x : memref<?x10xf32>) indices(%i : memref<1x2x8xi16>)
      centroids(%c : memref<1x64xf32>) outlier_indices(%oi : memref<1x3x2xi16>)
      outlier_centroids(%oc : memref<1x8xf32>)
      weight_scale(%s : memref<10xf32>) weight_bias(%t : memref<10xf32>)
      outs(%y : memref<?x6xf32>)
  return
}

// -----

// CHECK-LABEL: func.func @dequant
// CHECK-SAME: (%[[I:.+]]: memref<1x2x16xi16>, %[[C:.+]]: memref<1x64xbf16>, %[[P:.+]]: memref<16xi64>, %[[W:.+]]: memref<8x16xf32>)
// CHECK: scf.for
// CHECK:   memref.load %[[I]]
// CHECK:   arith.index_castui %{{.+}} : i16 to index
// CHECK:   vector.load %[[C]][%{{.+}}, %{{.+}}] {alignment = 8 : i64} : memref<1x64xbf16>, vector<4xbf16>
// CHECK:   %[[COL:.+]] = arith.index_castui %{{.+}} : i64 to index
// CHECK:   memref.store %{{.+}}, %[[W]][%{{.+}}, %[[COL]]]
func.func @dequant(%i: memref<1x2x16xi16>, %c: memref<1x64xbf16>,
                   %p: memref<16xi64>, %w: memref<8x16xf32>) {
  vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
                        num_centroids = 16, enable_perm = true>
      indices(%i : memref<1x2x16xi16>) centroids(%c : memref<1x64xbf16>)
      perm(%p : memref<16xi64>) outs(%w : memref<8x16xf32>)
  return
}

// -----

// CHECK-LABEL: func.func @unpack
// CHECK-SAME: (%[[P:.+]]: memref<1x2x3xi32>, %[[I:.+]]: memref<1x2x16xi32>, %[[R:.+]]: memref<1x2x16xi8>)
// CHECK: memref.load %[[P]]
// CHECK: %[[IDX:.+]] = arith.andi %{{.+}}, %c15_i32 : i32
// CHECK: %[[RES:.+]] = arith.shrui %{{.+}}, %c4_i32 : i32
// CHECK: memref.store %{{.+}}, %[[I]]
// CHECK: arith.index_castui %{{.+}} : index to i8
// CHECK: memref.store %{{.+}}, %[[R]]
func.func @unpack(%p: memref<1x2x3xi32>, %i: memref<1x2x16xi32>,
                  %r: memref<1x2x16xi8>) {
  vptq.unpack_indices #vptq.vq<in_features = 16, out_features = 8,
                               vector_len = 4, num_centroids = 16,
                               num_res_centroids = 4, packed = true>
      %p : memref<1x2x3xi32> outs(%i, %r : memref<1x2x16xi32>, memref<1x2x16xi8>)
  return
}

// -----

// vptq.linear: 8-wide FMAs along K for batch_tile rows, then a horizontal
// sum, a scalar tail for K mod 8 (here 100 = 96 + 4), and the bias.
// CHECK-LABEL: func.func @linear
// CHECK-SAME: (%[[X:.+]]: memref<?x100xf16>, %[[W:.+]]: memref<32x100xbf16>, %[[B:.+]]: memref<32xbf16>, %[[Y:.+]]: memref<?x32xf32>)
// CHECK: scf.parallel
// CHECK:   %[[ACC:.+]]:2 = scf.for {{.+}} = %c0 to %c96 step %c8 iter_args
// CHECK:     vector.load %[[W]][%{{.+}}, %{{.+}}] : memref<32x100xbf16>, vector<8xbf16>
// CHECK:     vector.load %[[X]][%{{.+}}, %{{.+}}] : memref<?x100xf16>, vector<8xf16>
// CHECK:     vector.fma
// CHECK:     vector.fma
// CHECK:   vector.reduction <add>, %[[ACC]]#0 : vector<8xf32> into f32
// CHECK:   scf.for {{.+}} = %c96 to %c100 step %c1 iter_args
// CHECK:   memref.load %[[B]]
// CHECK:   memref.store %{{.+}}, %[[Y]]
func.func @linear(%x: memref<?x100xf16>, %w: memref<32x100xbf16>,
                  %b: memref<32xbf16>, %y: memref<?x32xf32>) {
  vptq.linear input(%x : memref<?x100xf16>) weight(%w : memref<32x100xbf16>)
      bias(%b : memref<32xbf16>) outs(%y : memref<?x32xf32>)
      {tiling = #vptq.tiling<block_rows = 4, warps_per_row = 1, batch_tile = 2,
                             k_chunk = 32>}
  return
}

// -----

// A gated input: the activations gathered through the permutation, and the
// norm term's, are silu(gate) * x computed in f32 and rounded to f16 as
// vptq.silu_mul stores them.
// CHECK-LABEL: func.func @gated
// CHECK: memref.alloc(%{{.+}}) : memref<?x16xf32>
// CHECK:   %[[COL:.+]] = arith.index_castui %{{.+}} : i16 to index
// CHECK:   %[[X:.+]] = memref.load %arg0[%[[B:.+]], %[[COL]]] : memref<?x16xf16>
// CHECK:   %[[G:.+]] = memref.load %arg1[%[[B]], %[[COL]]] : memref<?x16xf16>
// CHECK:   %[[GF:.+]] = arith.extf %[[G]] : f16 to f32
// CHECK:   math.exp
// CHECK:   %[[SILU:.+]] = arith.divf %[[GF]], %{{.+}} : f32
// CHECK:   %[[PROD:.+]] = arith.mulf %[[SILU]], %{{.+}} : f32
// CHECK:   arith.truncf %[[PROD]] : f32 to f16
// CHECK: memref.alloc(%{{.+}}) : memref<?xf32>
// CHECK:   memref.load %arg0
// CHECK:   memref.load %arg1
// CHECK:   math.exp
// CHECK:   arith.truncf %{{.+}} : f32 to f16
// CHECK:   memref.load %arg6
func.func @gated(%x: memref<?x16xf16>, %g: memref<?x16xf16>, %i: memref<1x2x2xi32>,
                 %c: memref<1x64xf16>, %p: memref<16xi16>, %s: memref<16xf16>,
                 %wb: memref<16xf16>, %y: memref<?x8xf16>) {
  vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
                       num_centroids = 16, packed = true, enable_perm = true,
                       enable_norm = true>
      input(%x : memref<?x16xf16>) gate(%g : memref<?x16xf16>)
      indices(%i : memref<1x2x2xi32>) centroids(%c : memref<1x64xf16>)
      perm(%p : memref<16xi16>) weight_scale(%s : memref<16xf16>)
      weight_bias(%wb : memref<16xf16>) outs(%y : memref<?x8xf16>)
  return
}
