// RUN: vptq-opt %s -split-input-file -convert-vptq-to-cpu -canonicalize -cse | FileCheck %s --implicit-check-not=vptq.

// The transformer ops on the CPU: an scf.parallel over rows (rows x heads
// for attention) whose body is the shared row kernel with a single lane.

// CHECK-LABEL: func.func @rms_norm
// CHECK: %[[T:.*]] = memref.dim %arg0, %c0
// CHECK: scf.parallel (%[[ROW:.*]]) = (%c0) to (%[[T]]) step (%c1)
// CHECK:   %[[SS:.*]] = scf.for %{{.*}} = %c0 to %c64 step %c1 iter_args(%{{.*}} = %cst{{.*}}) -> (f32)
// CHECK:     arith.extf
// CHECK:     arith.mulf
// CHECK:   %[[MEAN:.*]] = arith.divf %[[SS]], %cst{{.*}}
// CHECK:   %[[EPS:.*]] = arith.addf %[[MEAN]], %cst{{.*}}
// CHECK:   %[[INV:.*]] = math.rsqrt %[[EPS]] : f32
// CHECK:   scf.for
// CHECK:     arith.mulf %{{.*}}, %[[INV]]
// CHECK:     arith.truncf %{{.*}} : f32 to f16
// CHECK:     memref.store %{{.*}}, %arg2[%[[ROW]], %{{.*}}]
func.func @rms_norm(%x: memref<?x64xf16>, %w: memref<64xf16>, %y: memref<?x64xf16>) {
  vptq.rms_norm %x, %w, %y {epsilon = 1.0e-05 : f64} : memref<?x64xf16>, memref<64xf16>, memref<?x64xf16>
  return
}

// -----

// Attention: one (row, head) per iteration; online softmax over positions
// 0 .. positions[row] with the running max, the sum and an accumulator of
// head_dim floats; with one lane, whole heads move as vectors (the query
// once, a key and a value row per position). Head h reads
// key/value head h / 2 (8 heads, 4 key/value heads).
// CHECK-LABEL: func.func @attention
// CHECK-DAG: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK-DAG: %[[SCALE:.*]] = arith.constant 0.353553385 : f32
// CHECK: scf.parallel (%[[ROW:.*]], %[[HEAD:.*]]) = (%c0, %c0) to (%{{.*}}, %c8) step (%c1, %c1)
// CHECK:   %[[QBASE:.*]] = arith.muli %[[HEAD]], %c8
// CHECK:   %[[KVH:.*]] = arith.divui %[[HEAD]], %c2
// CHECK:   %[[KVBASE:.*]] = arith.muli %[[KVH]], %c8
// CHECK:   %[[P:.*]] = memref.load %arg3[%[[ROW]]] : memref<?xi32>
// CHECK:   %[[LAST:.*]] = arith.index_cast %[[P]] : i32 to index
// CHECK:   %[[END:.*]] = arith.addi %[[LAST]], %c1
// CHECK:   %[[Q:.*]] = vector.load %arg0[%[[ROW]], %[[QBASE]]] : memref<?x64xf16>, vector<8xf16>
// CHECK:   %[[QF:.*]] = arith.extf %[[Q]]
// CHECK:   %[[R:.*]]:3 = scf.for %[[J:.*]] = %c0 to %[[END]] step %c1 iter_args(%[[M:.*]] = %[[NEGINF]], %[[L:.*]] = %cst{{.*}}, %[[ACC:.*]] = %cst{{.*}}) -> (f32, f32, vector<8xf32>)
// CHECK:     vector.load %arg1[%[[J]], %[[KVBASE]]] : memref<512x32xf16>, vector<8xf16>
// CHECK:     vector.load %arg2[%[[J]], %[[KVBASE]]] : memref<512x32xf16>, vector<8xf16>
// CHECK:     arith.mulf %[[QF]]
// CHECK:     %[[DOT:.*]] = vector.reduction <add>
// CHECK:     arith.mulf %[[DOT]], %[[SCALE]]
// CHECK:     %[[MNEW:.*]] = arith.maximumf %[[M]]
// CHECK:     math.exp
// CHECK:     math.exp
// CHECK:     vector.fma
// CHECK:     scf.yield
// CHECK:   %[[INV:.*]] = arith.divf %cst{{.*}}, %[[R]]#1
// CHECK:   %[[OUT:.*]] = arith.truncf %{{.*}} : vector<8xf32> to vector<8xf16>
// CHECK:   vector.store %[[OUT]], %arg4[%[[ROW]], %[[QBASE]]] : memref<?x64xf16>, vector<8xf16>
func.func @attention(%q: memref<?x64xf16>, %kc: memref<512x32xf16>, %vc: memref<512x32xf16>, %p: memref<?xi32>, %o: memref<?x64xf16>) {
  vptq.attention %q, %kc, %vc, %p, %o {num_heads = 8 : i64, num_kv_heads = 4 : i64, head_dim = 8 : i64, scale = 0.35355339059327379 : f64} : memref<?x64xf16>, memref<512x32xf16>, memref<512x32xf16>, memref<?xi32>, memref<?x64xf16>
  return
}

// -----

// Rotary: pairs (i, i + head_dim/2) of each head, angle positions[row] *
// inv_freq[i].
// CHECK-LABEL: func.func @rotary
// CHECK: scf.parallel (%[[ROW:.*]]) =
// CHECK:   %[[POS:.*]] = memref.load %arg1[%[[ROW]]] : memref<?xi32>
// CHECK:   %[[POSF:.*]] = arith.sitofp %[[POS]] : i32 to f32
// CHECK:   scf.for %[[J:.*]] = %c0 to %c32 step %c1
// CHECK:     %[[HEAD:.*]] = arith.divui %[[J]], %c4
// CHECK:     %[[I:.*]] = arith.remui %[[J]], %c4
// CHECK:     %[[F:.*]] = memref.load %arg2[%[[I]]] : memref<4xf32>
// CHECK:     %[[ANGLE:.*]] = arith.mulf %[[POSF]], %[[F]]
// CHECK:     math.cos %[[ANGLE]]
// CHECK:     math.sin %[[ANGLE]]
func.func @rotary(%x: memref<?x64xf32>, %p: memref<?xi32>, %inv: memref<4xf32>) {
  vptq.rotary %x, %p, %inv, %x {head_dim = 8 : i64} : memref<?x64xf32>, memref<?xi32>, memref<4xf32>, memref<?x64xf32>
  return
}

// -----

// CHECK-LABEL: func.func @gather_silu_add
// CHECK: scf.parallel (%[[ROW:.*]]) =
// CHECK:   %[[ID:.*]] = memref.load %arg1[%[[ROW]]] : memref<?xi32>
// CHECK:   %[[IDX:.*]] = arith.index_cast %[[ID]] : i32 to index
// CHECK:   memref.load %arg0[%[[IDX]], %{{.*}}] : memref<512x64xbf16>
// CHECK: scf.parallel
// CHECK:   arith.negf
// CHECK:   math.exp
// CHECK:   arith.divf
// CHECK: scf.parallel
// CHECK:   arith.addf
func.func @gather_silu_add(%t: memref<512x64xbf16>, %ids: memref<?xi32>, %x: memref<?x64xf32>) {
  vptq.gather_rows %t, %ids, %x : memref<512x64xbf16>, memref<?xi32>, memref<?x64xf32>
  vptq.silu_mul %x, %x, %x : memref<?x64xf32>, memref<?x64xf32>, memref<?x64xf32>
  vptq.add %x, %x, %x : memref<?x64xf32>, memref<?x64xf32>, memref<?x64xf32>
  return
}
